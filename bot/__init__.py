"""Adapters over the pipeline for people: the Flask web app and the Slack bot.

The engine (`auditor`) never imports this package; workers never import Flask or Slack.
"""
