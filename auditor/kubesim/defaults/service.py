"""Defaults of Services and Endpoints: cluster IP allocation from 10.96.0.0/12, IP family,
traffic policies, port protocol and target port, node ports for NodePort/LoadBalancer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")


class IpAllocator:
    """Hands out cluster IPs and node ports; owned by one kubesim instance."""

    def __init__(self) -> None:
        self._next_ip = int(SERVICE_CIDR.network_address) + 2  # .1 is the kubernetes service
        self._used_ips: set[str] = set()
        self._next_port = 30000
        self._used_ports: set[int] = set()

    def reserve(self, ip: str) -> None:
        self._used_ips.add(ip)

    def allocate_ip(self) -> str:
        while True:
            ip = str(ipaddress.ip_address(self._next_ip))
            self._next_ip += 1
            if ipaddress.ip_address(self._next_ip) not in SERVICE_CIDR:
                self._next_ip = int(SERVICE_CIDR.network_address) + 2
            if ip not in self._used_ips:
                self._used_ips.add(ip)
                return ip

    def allocate_port(self) -> int:
        while self._next_port in self._used_ports:
            self._next_port = 30000 if self._next_port >= 32767 else self._next_port + 1
        self._used_ports.add(self._next_port)
        return self._next_port


def service(obj: dict[str, Any], *, allocator: IpAllocator) -> None:
    spec = obj.setdefault("spec", {})
    kind = spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if "port" in port:
                port.setdefault("targetPort", port["port"])
            if kind in ("NodePort", "LoadBalancer") and "nodePort" not in port:
                port["nodePort"] = allocator.allocate_port()
    if kind != "ExternalName":
        ip = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
        if not ip:
            ip = allocator.allocate_ip()
        elif ip != "None":
            allocator.reserve(str(ip))
        spec["clusterIP"] = ip
        spec.setdefault("clusterIPs", [ip])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if kind in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    obj.setdefault("status", {}).setdefault("loadBalancer", {})


def endpoints(obj: dict[str, Any]) -> None:
    for subset in obj.get("subsets") or []:
        for port in (subset or {}).get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")


Defaulter = Callable[[dict[str, Any]], None]
