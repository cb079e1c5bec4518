"""Shared mode: several people use one ChangeRadar server.

* :mod:`~analysis.shared.access`: who may see what (roles, scopes, the viewer's policy).
* :mod:`~analysis.shared.policy_file`: the access-policy YAML's format (a typed schema).
* :mod:`~analysis.shared.audit`: the append-only audit log of who saw or exported what.
* :mod:`~analysis.shared.store`: the encrypted embedded store of published datasets (and of
  action plans, :mod:`analysis.actions`).

The old import paths (``analysis.access``, ``analysis.audit``, ``analysis.store``) are the same
modules, kept for existing callers.
"""
