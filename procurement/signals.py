"""Signals the core sends so that higher layers can react without the core importing them.

``group_membership_changed`` is sent by ``procurement.services`` inside the transaction that adds or
removes a member's role in a group (kwargs: ``group_id``, ``member_id``, ``acting_user``). The budgets app
connects to it to apply automatic allocation rules (budgets.automatic).
"""

from django.dispatch import Signal

group_membership_changed = Signal()
