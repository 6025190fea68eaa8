"""The ``devgroups`` command: serve the API, administer the registry, simulate a fleet."""

from __future__ import annotations

from devgroups.cli.admin import device, product, user
from devgroups.cli.common import main
from devgroups.cli.control import control
from devgroups.cli.serve import serve
from devgroups.cli.simulate import simulate

main.add_command(serve)
main.add_command(user)
main.add_command(device)
main.add_command(product)
main.add_command(simulate)
main.add_command(control)

__all__ = ["main"]
