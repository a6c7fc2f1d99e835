"""Who is using the dashboard: the login form (built-in accounts) or single sign-on (st.login / st.user), the
account line with 退出 in the sidebar, the idle timeout, and current_actor() handed to every write.

Hiding a button is only a courtesy here: every write function (loaders.writes, loaders.accounts) checks the
actor itself, and a built-in account is read again from the store at each write.
"""
from __future__ import annotations

import time
import urllib.request

import streamlit as st

from loaders import accounts, audit, config
from loaders.accounts import Actor
from ui import data

_ACTOR = "_auth_actor"
_SEEN = "_auth_last_seen"
_NOTICE = "_auth_notice"
_OIDC_LOGGED = "_auth_oidc_logged"
ADMIN_PAGES = {"zhanghao", "shenji"}   # url paths of pages only (province and) city administrators see


def settings() -> dict:
    return config.settings().get("auth", {})


def mode() -> str:
    return settings().get("mode", "builtin")


# ------------------------------------------------------------------------------------------------ identity
def _oidc_actor() -> Actor | None:
    """The single-sign-on user, with role and districts mapped from the configured claims."""
    if not st.user.is_logged_in:
        return None
    return accounts.actor_from_claims(st.user.to_dict(), settings().get("oidc", {}))


def current_actor() -> Actor | None:
    """The logged-in user of this session, or None (an anonymous visitor, who may only read)."""
    if mode() == "oidc":
        return _oidc_actor()
    return st.session_state.get(_ACTOR)


def permitted(action: str, districts=()) -> bool:
    return accounts.permitted(current_actor(), action, districts)


def visible_cities() -> list[str]:
    """The cities this session may see (loaders.accounts.visible_cities; the one city without a province)."""
    return accounts.visible_cities(current_actor())


def allowed_pages(pages: list) -> list:
    """The navigation for this user: the 账号 and 审计 pages only for city administrators."""
    if permitted("accounts"):
        return pages
    return [p for p in pages if p.url_path not in ADMIN_PAGES]


# ------------------------------------------------------------------------------------------------ sessions
def _end_session(why: str = "") -> None:
    actor = current_actor()
    if actor is not None:
        audit.record(data.store(), actor, "logout", reason=why)
    st.session_state.pop(_ACTOR, None)
    st.session_state.pop(_OIDC_LOGGED, None)
    if why:
        st.session_state[_NOTICE] = why
    if mode() == "oidc" and st.user.is_logged_in:
        st.logout()


def _touch() -> None:
    """Log out a session idle for longer than [auth] idle_timeout_minutes; else note this action's time."""
    if current_actor() is None:
        return
    idle = float(settings().get("idle_timeout_minutes", 30)) * 60
    last = st.session_state.get(_SEEN)
    now = time.time()
    if last is not None and now - last > idle:
        _end_session(f"登录已超时（{settings().get('idle_timeout_minutes', 30)}分钟未操作），请重新登录。")
        return
    st.session_state[_SEEN] = now


def _log_in(login: str, password: str) -> None:
    try:
        actor = accounts.authenticate(data.store(), login, password)
    except accounts.LoginRefused as exc:
        st.session_state[_NOTICE] = str(exc)
        return
    st.session_state[_ACTOR] = actor
    st.session_state[_SEEN] = time.time()
    st.session_state.pop(_NOTICE, None)


def login_form(container, *, key: str) -> None:
    """用户名 / 密码 / 登录 (built-in accounts) or the single-sign-on button."""
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        container.error(notice, icon=":material/lock:")
    if mode() == "oidc":
        if container.button("统一身份认证登录", key=f"{key}_sso", type="primary"):
            _single_sign_on()
        return
    with container.form(key, clear_on_submit=True, border=False):
        login = st.text_input("用户名", key=f"{key}_login")
        password = st.text_input("密码", type="password", key=f"{key}_password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        _log_in(login, password)
        st.rerun()


def _single_sign_on() -> None:
    """st.login, after making sure the identity provider answers (else a Chinese message, not a browser error)."""
    provider = settings().get("oidc", {}).get("provider", "") or None
    try:
        section = st.secrets["auth"]
        url = (section[provider] if provider else section)["server_metadata_url"]
    except (KeyError, FileNotFoundError, AttributeError):
        st.session_state[_NOTICE] = ("统一身份认证尚未配置（.streamlit/secrets.toml 中缺少 [auth] 设置），"
                                     "请联系系统管理员。")
        st.rerun()
    try:
        with urllib.request.urlopen(url, timeout=float(settings().get("oidc", {}).get("probe_timeout_s", 3))):
            pass
    except OSError:
        st.session_state[_NOTICE] = ("统一身份认证服务暂时无法连接，请稍后重试或联系信息中心；"
                                     "已保存的数据不受影响，未登录时仍可查看各页面。")
        st.rerun()
    st.login(provider) if provider else st.login()


def sidebar() -> None:
    """The account line (login name, role, 退出) or the login form; stops the page when viewing needs a login."""
    _touch()
    actor = current_actor()
    if actor is not None and mode() == "oidc" and not st.session_state.get(_OIDC_LOGGED):
        audit.record(data.store(), actor, "login", detail={"via": "oidc"})
        st.session_state[_OIDC_LOGGED] = True
    box = st.sidebar.container(border=True)
    if actor is not None:
        box.markdown(f"**{actor.login}** · {accounts.ROLE_LABELS.get(actor.role, actor.role)}"
                     + (f"（{'、'.join(actor.districts)}）" if actor.districts else ""))
        if box.button("退出", key="auth_logout", icon=":material/logout:"):
            _end_session()
            st.rerun()
        return
    if settings().get("require_login_to_view", False):
        st.markdown("### 请登录")
        st.caption("本平台需要登录后才能查看。")
        login_form(st.container(), key="auth_page_form")
        st.stop()
    with box.expander("登录（上传台账需要登录）", expanded=bool(st.session_state.get(_NOTICE))):
        login_form(st, key="auth_sidebar_form")
