"""账号: city administrators create accounts, change roles, disable and enable them, set new passwords.

Every change goes through loaders.accounts, which checks the acting user again and records it in the audit log.
"""
import pandas as pd
import streamlit as st

from loaders import accounts, config
from ui import auth, data

_DONE = "_accounts_done"

st.markdown("## 账号 · 登录账号管理")
if not auth.permitted("accounts"):
    st.warning(f"只有{'省级或' if config.is_province() else ''}市级管理员可以管理账号。", icon=":material/lock:")
    st.stop()
if auth.mode() == "oidc":
    st.info("本平台使用统一身份认证登录：角色和区市由身份认证服务的声明决定。此处的内置账号仅在切换回内置账号登录时使用。")
done = st.session_state.pop(_DONE, None)
if done:
    st.success(done, icon=":material/check_circle:")


def _run(change, message: str) -> None:
    try:
        change()
    except accounts.AccountError as exc:
        st.error(f"未完成：{exc}", icon=":material/block:")
        return
    st.session_state[_DONE] = message
    st.rerun()


me = auth.current_actor()
# a city administrator at province level sees and changes its own city's accounts only (loaders.accounts checks)
rows = [a for a in accounts.list_accounts(data.store()) if accounts.manages(me, a)]
# at province level a city administrator may only bind clerks to its own city's districts
district_choice = [d for c in auth.visible_cities() for d in config.city_district_names(c)]
province = config.is_province()
table = pd.DataFrame({
    "用户名": [a.login for a in rows],
    "角色": [accounts.ROLE_LABELS.get(a.role, a.role) for a in rows],
    ("城市或区市" if province else "区市"): ["、".join(a.districts) or ("全省" if province else "全市") for a in rows],
    "状态": ["正常" if a.active else "已停用" for a in rows],
    "锁定至": [a.locked_until[:16].replace("T", " ") if a.locked_until else "" for a in rows],
    "示例账号": ["是" if a.demo else "" for a in rows],
    "更新时间": [a.updated_at[:16].replace("T", " ") for a in rows],
})
st.dataframe(table, hide_index=True, key="accounts_table")

# the roles this user may give: a city administrator at province level only its city's administrators and clerks
role_names = {label: role for role, label in accounts.roles().items()
              if not (province and me.role == "city") or role in ("city", "district")}


def _binding(role_label: str, city, districts) -> list:
    """What the account is bound to: a city administrator's city at province level, else the districts."""
    return [city] if province and role_names[role_label] == "city" and city else list(districts)

left, right = st.columns(2, gap="medium")
with left.form("account_create", clear_on_submit=True):
    st.markdown("**新建账号**")
    login = st.text_input("用户名", key="new_login")
    role = st.selectbox("角色", list(role_names), key="new_role")
    city = (st.selectbox("城市（市级管理员必填）", auth.visible_cities(), index=None, key="new_city",
                         placeholder="选择城市") if province else None)
    districts = st.multiselect("区市（区市填报员必填）", district_choice, key="new_districts",
                               placeholder="选择区市")
    password = st.text_input("初始密码", type="password", key="new_password")
    if st.form_submit_button("新建", type="primary"):
        _run(lambda: accounts.create_account(data.store(), auth.current_actor(), login, role_names[role],
                                             _binding(role, city, districts), password), f"已新建账号 {login}。")

with right.form("account_change"):
    st.markdown("**修改账号**")
    target = st.selectbox("账号", [a.login for a in rows], index=None, placeholder="选择账号", key="change_login")
    action = st.radio("操作", ["设置新密码", "修改角色和区市", "停用", "重新启用"], key="change_action",
                      horizontal=True)
    new_password = st.text_input("新密码（设置新密码时）", type="password", key="change_password")
    new_role = st.selectbox("新角色（修改角色时）", list(role_names), key="change_role")
    new_city = (st.selectbox("新城市（修改为市级管理员时）", auth.visible_cities(), index=None, key="change_city",
                             placeholder="选择城市") if province else None)
    new_districts = st.multiselect("新区市（修改为区市填报员时）", district_choice, key="change_districts",
                                   placeholder="选择区市")
    if st.form_submit_button("确定") and target:
        store, actor = data.store(), auth.current_actor()
        changes = {
            "设置新密码": lambda: accounts.set_password(store, actor, target, new_password),
            "修改角色和区市": lambda: accounts.set_role(store, actor, target, role_names[new_role],
                                                  _binding(new_role, new_city, new_districts)),
            "停用": lambda: accounts.set_active(store, actor, target, False),
            "重新启用": lambda: accounts.set_active(store, actor, target, True),
        }
        _run(changes[action], f"账号 {target}：{action}，已完成。")
