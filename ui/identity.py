"""Who is viewing, from the server's configuration (environment, then ``secrets.toml``) and
the identity provider: local or shared mode, the access policy, the session's viewer, and
the audit log and published-dataset store that shared mode keeps. Nothing here touches
``st.session_state`` (that is :mod:`ui.state`)."""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from analysis import access
from analysis.access import AccessPolicy, Settings, Viewer
from analysis.audit import AuditLog
from analysis.store import DatasetStore

__all__ = [
    "access_policy",
    "audit_log",
    "auth_configured",
    "current_viewer",
    "dataset_store",
    "is_logged_in",
    "settings",
    "user_claims",
]


def _secrets_section() -> dict[str, Any]:
    try:
        section = st.secrets.get("changeradar", {})
    except Exception:  # no secrets.toml at all: nothing configured there
        return {}
    return dict(section) if section else {}


def settings() -> Settings:
    """Local or shared mode and the folders/keys (environment first, then secrets.toml).

    Raises :class:`~analysis.access.PolicyError` with a sentence when misconfigured."""
    return Settings.from_sources(os.environ, _secrets_section())


def access_policy() -> AccessPolicy:
    """The policy in force: the file HR maintains (shared mode), or no limits (local mode)."""
    conf = settings()
    if not conf.shared:
        return AccessPolicy()
    return access.load_policy(str(conf.policy_path))


def auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:
        return False


def user_claims() -> dict[str, Any]:
    """The identity-provider claims of the logged-in user (empty when nobody is)."""
    try:
        return dict(st.user.to_dict())
    except Exception:
        return {}


def current_viewer() -> Viewer | None:
    """THE place a session's viewer is decided: the local user in local mode; in shared mode
    the logged-in identity mapped through the access policy (None: not logged in or no
    access). Every result the app shows is computed for this viewer."""
    conf = settings()
    if not conf.shared:
        return access.LOCAL_VIEWER
    return access.viewer_from_claims(user_claims(), access_policy())


def is_logged_in() -> bool:
    return bool(user_claims().get("is_logged_in", False))


def audit_log() -> AuditLog | None:
    folder = settings().audit_folder()
    return AuditLog(folder) if folder is not None else None


def dataset_store() -> DatasetStore | None:
    """Published datasets (shared mode only: local mode never writes anything to disk)."""
    conf = settings()
    if not conf.shared or not conf.data_dir:
        return None
    return DatasetStore(conf.data_dir, conf.data_key)
