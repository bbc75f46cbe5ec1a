"""Roles and scopes: plain choices, importable by pure rules without the ORM."""
from django.db.models import TextChoices


class Role(TextChoices):
    INSPECTOR = "inspector", "监督员 inspector"
    GRID_WORKER = "grid_worker", "网格员 grid worker"
    OPERATOR = "operator", "受理员 operator"
    SHIFT_LEADER = "shift_leader", "值班长 shift leader"
    DISPATCHER = "dispatcher", "派遣员 dispatcher"
    HANDLER = "handler", "处置人员 department worker"
    COMMANDER = "commander", "指挥长 commander"
    ADMIN = "admin", "管理员 administrator"


class Scope(TextChoices):
    CITY = "city", "全市 city"
    # A district (区/县) command centre's staff in a prefecture-level jurisdiction: their district's
    # cases, queues and departments (两级指挥; cases/command.py).
    DISTRICT = "district", "区县 district"
    STREET = "street", "街道 street"
    COMMUNITY = "community", "社区 community"
    GRID = "grid", "网格 grid"
    DEPARTMENT = "department", "部门 department"
