"""Password resets, as lark-help-reset-member-passwords.txt describes them."""

from __future__ import annotations

import datetime as dt

from orgstate.catalogue import RuleId
from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.lark.passwords import PASSWORD_RULE, RESETS_PER_DAY, VALID_PASSWORD, generate_password
from orgstate.tenant.members import MemberOps


class PasswordOps(MemberOps):
    def reset_password(self, member_id: str, password: str | None = None, send: str | None = None) -> str:
        """Reset a member's login password and return it: the caller keeps it, or with
        `send` the console sends it ("Choose a way to send out the new password": email,
        phone, or to the admin) and records that it did. It is never logged or audited."""
        with self.write("member.reset_password", f"member.{member_id}"):
            self.require("members")
            member = self.member(member_id)
            if member.member.login_type != "business_email" or member.member.business_email is None:
                raise TenantError(
                    ErrorKind.RULE,
                    f"'{member_id}' does not log in with a business email, so the password cannot be reset",
                    LarkCode.PASSWORD_EMAIL_MISMATCH,
                    rule=RuleId.RESET_PASSWORD,
                )
            if member.status not in ("active", "inactive"):
                raise TenantError(
                    ErrorKind.RULE,
                    f"'{member_id}' is {member.status}; only active or inactive members can have their password reset",
                    rule=RuleId.RESET_PASSWORD,
                )
            since = (self.now() - dt.timedelta(hours=24)).isoformat()
            done = int(
                self.scalar("SELECT count(*) FROM password_resets WHERE admin = ? AND at > ?", (self.actor, since))
            )
            if done >= RESETS_PER_DAY:
                raise TenantError(
                    ErrorKind.RULE,
                    f"'{self.actor}' has reset {RESETS_PER_DAY} passwords in the last 24 hours",
                    LarkCode.PASSWORD_DAILY_LIMIT,
                    rule=RuleId.RESET_PASSWORD,
                )
            if password is not None and not VALID_PASSWORD.fullmatch(password):
                raise TenantError(
                    ErrorKind.INVALID,
                    PASSWORD_RULE,
                    LarkCode.PASSWORD_FORMAT,
                )
            self.db.execute(
                "INSERT INTO password_resets (admin, member, at) VALUES (?, ?, ?)",
                (self.actor, member_id, self.now().isoformat()),
            )
            if send is not None:
                self.db.execute(
                    "INSERT INTO notifications (member, field, at) VALUES (?, ?, ?)",
                    (member_id, f"password sent by {send}", self.now().isoformat()),
                )
            return password if password is not None else generate_password()
