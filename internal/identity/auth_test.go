package identity_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// tableHolds reports whether any cell of table contains text.
func tableHolds(t *testing.T, db *storage.DB, table, text string) bool {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatalf("columns of %s: %v", table, err)
	}
	var n int
	for rows.Next() {
		n++
		cells := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range cells {
			ptrs[i] = &cells[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		for _, c := range cells {
			s := fmt.Sprint(c)
			if b, ok := c.([]byte); ok {
				s = string(b)
			}
			if strings.Contains(s, text) {
				return true
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows of %s: %v", table, err)
	}
	if n == 0 {
		t.Fatalf("table %s is empty: the check would prove nothing", table)
	}
	return false
}

// failLogin makes one failed attempt and checks it was counted as a failure.
func (w *world) failLogin(t *testing.T, username string) {
	t.Helper()
	_, _, err := w.svc.Login(context.Background(), username, "wrong-password")
	wantErr(t, err, apperr.Unauthenticated, "login.failed")
}

// lockOut fails logins until the account locks, waiting out each delay.
func (w *world) lockOut(t *testing.T, username string) {
	t.Helper()
	for range testLockAfter {
		w.failLogin(t, username)
		w.clock.Advance(testMaxDelay)
	}
}

func TestLoginOpensSessionForTheAccount(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		officer := w.account(t, w.cityAdmin.Actor(), "zhang.san", identity.RoleOfficer, w.streetA)
		token, a, err := w.svc.Login(ctx, " Zhang.San ", testPassword)
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		if a.ID != officer.ID || !strings.HasPrefix(token, "cgs_") {
			t.Fatalf("Login: account %s token %q", a.ID, token)
		}
		if !officer.LastLoginAt.IsZero() || !w.fresh(t, officer.ID).LastLoginAt.Equal(w.clock.Now().UTC().Truncate(time.Millisecond)) {
			t.Fatalf("last sign-in: before %v, after %v, want the clock's now", officer.LastLoginAt, w.fresh(t, officer.ID).LastLoginAt)
		}
		actor, acct, err := w.svc.ActorFromSession(ctx, token)
		if err != nil {
			t.Fatalf("ActorFromSession: %v", err)
		}
		if actor.AccountID != officer.ID || acct.ID != officer.ID || !actor.HasRole(identity.RoleOfficer) {
			t.Fatalf("ActorFromSession: got %+v", actor)
		}
		if tableHolds(t, db, "sessions", token) {
			t.Fatal("the sessions table holds the session token, want only its hash")
		}
		if !tableHolds(t, db, "sessions", identity.HashSecret(token)) {
			t.Fatal("the sessions table does not hold the token's hash")
		}
	})
}

func TestLoginFailureIsTheSameForUnknownUserAndWrongPassword(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		cases := []struct{ username, password string }{
			{"city.admin", "wrong-password"},
			{"nobody", testPassword},
			{"city.admin", ""},
			{"", testPassword},
			{"city.admin", strings.Repeat("x", identity.MaxPasswordLen+1)},
			{strings.Repeat("a", 65), testPassword},
		}
		for _, c := range cases {
			token, a, err := w.svc.Login(ctx, c.username, c.password)
			wantErr(t, err, apperr.Unauthenticated, "login.failed")
			if token != "" || a != nil {
				t.Fatalf("failed login returned token %q account %v", token, a)
			}
		}
		if got := w.fresh(t, w.cityAdmin.ID).FailedLogins; got != 1 {
			t.Fatalf("failed logins counted: got %d, want 1 (only the checked wrong password)", got)
		}
	})
}

func TestLoginSlowsDownAfterRepeatedFailures(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		w.account(t, w.cityAdmin.Actor(), "li.si", identity.RoleInspector, w.distA)
		for range testSlowAfter - 1 {
			w.failLogin(t, "li.si") // no delay yet
		}
		w.failLogin(t, "li.si") // the SlowAfter-th failure starts the delay
		_, _, err := w.svc.Login(ctx, "li.si", testPassword)
		e := wantErr(t, err, apperr.RateLimited, "login.wait")
		if got := e.Args["Seconds"]; got != 1 {
			t.Fatalf("wait: got %v seconds, want 1", got)
		}
		// Attempts during the wait are neither checked nor counted.
		_, _, err = w.svc.Login(ctx, "li.si", "wrong-password")
		wantErr(t, err, apperr.RateLimited, "login.wait")
		if got := w.fresh(t, w.accountID(t, "li.si")).FailedLogins; got != testSlowAfter {
			t.Fatalf("failures: got %d, want %d", got, testSlowAfter)
		}

		// The delay doubles with each further failure.
		w.clock.Advance(time.Second)
		w.failLogin(t, "li.si")
		_, _, err = w.svc.Login(ctx, "li.si", testPassword)
		if got := wantErr(t, err, apperr.RateLimited, "login.wait").Args["Seconds"]; got != 2 {
			t.Fatalf("second wait: got %v seconds, want 2", got)
		}
		w.clock.Advance(1500 * time.Millisecond)
		_, _, err = w.svc.Login(ctx, "li.si", testPassword)
		if got := wantErr(t, err, apperr.RateLimited, "login.wait").Args["Seconds"]; got != 1 {
			t.Fatalf("remaining wait: got %v seconds, want 1 (rounded up)", got)
		}

		// After the wait the right password gets in and clears the count.
		w.clock.Advance(500 * time.Millisecond)
		if _, _, err := w.svc.Login(ctx, "li.si", testPassword); err != nil {
			t.Fatalf("Login after the wait: %v", err)
		}
		a := w.fresh(t, w.accountID(t, "li.si"))
		if a.FailedLogins != 0 || !a.RetryAt.IsZero() || a.Locked() {
			t.Fatalf("after success: failures %d retry %v locked %v", a.FailedLogins, a.RetryAt, a.LockedAt)
		}
	})
}

func (w *world) accountID(t *testing.T, username string) string {
	t.Helper()
	list, _, err := w.svc.Accounts(context.Background(), w.cityAdmin.Actor(), identity.AccountFilter{Query: username})
	if err != nil {
		t.Fatalf("Accounts: %v", err)
	}
	for _, a := range list {
		if a.Username == username {
			return a.ID
		}
	}
	t.Fatalf("account %s not found", username)
	return ""
}

func TestLockedAccountRefusesCorrectPassword(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.account(t, w.cityAdmin.Actor(), "wang.wu", identity.RoleOfficer, w.distB)
		w.lockOut(t, "wang.wu")
		locked := w.fresh(t, a.ID)
		if !locked.Locked() || locked.FailedLogins != testLockAfter {
			t.Fatalf("after %d failures: locked %v failures %d", testLockAfter, locked.LockedAt, locked.FailedLogins)
		}
		_, _, err := w.svc.Login(ctx, "wang.wu", testPassword)
		wantErr(t, err, apperr.AccountLocked, "login.locked")
		// Time does not unlock it.
		w.clock.Advance(30 * 24 * time.Hour)
		_, _, err = w.svc.Login(ctx, "wang.wu", testPassword)
		wantErr(t, err, apperr.AccountLocked, "login.locked")
	})
}

func TestUnlockByAdminClearsLockout(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.account(t, w.cityAdmin.Actor(), "wang.wu", identity.RoleOfficer, w.distB)
		lead := w.account(t, w.cityAdmin.Actor(), "squad.lead", identity.RoleSquadLeader, w.city)
		w.lockOut(t, "wang.wu")
		_, err := w.svc.Unlock(ctx, lead.Actor(), a.ID)
		wantErr(t, err, apperr.Forbidden, "perm.role_required")
		unlocked, err := w.svc.Unlock(ctx, w.cityAdmin.Actor(), a.ID)
		if err != nil {
			t.Fatalf("Unlock: %v", err)
		}
		if unlocked.Locked() || unlocked.FailedLogins != 0 || !unlocked.RetryAt.IsZero() {
			t.Fatalf("Unlock: got %+v", *unlocked)
		}
		if _, _, err := w.svc.Login(ctx, "wang.wu", testPassword); err != nil {
			t.Fatalf("Login after unlock: %v", err)
		}
	})
}

func TestResetPasswordClearsLockoutEndsSessionsAndRequiresChange(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.account(t, w.cityAdmin.Actor(), "zhao.liu", identity.RoleInspector, w.commA)
		session := w.login(t, "zhao.liu", testPassword)
		if _, _, err := w.svc.ActorFromSession(ctx, session); err != nil {
			t.Fatalf("ActorFromSession before reset: %v", err)
		}
		w.lockOut(t, "zhao.liu")

		_, err := w.svc.ResetPassword(ctx, w.cityAdmin.Actor(), a.ID, "short")
		wantField(t, err, "password", "password.too_short")

		const fresh = "reset-by-admin-9"
		got, err := w.svc.ResetPassword(ctx, w.cityAdmin.Actor(), a.ID, fresh)
		if err != nil {
			t.Fatalf("ResetPassword: %v", err)
		}
		if !got.MustChangePassword || got.Locked() || got.FailedLogins != 0 {
			t.Fatalf("after reset: must change %v locked %v failures %d", got.MustChangePassword, got.LockedAt, got.FailedLogins)
		}
		_, _, err = w.svc.ActorFromSession(ctx, session)
		wantErr(t, err, apperr.Unauthenticated, "auth.session_invalid")
		_, _, err = w.svc.Login(ctx, "zhao.liu", testPassword)
		wantErr(t, err, apperr.Unauthenticated, "login.failed")
		_, acct, err := w.svc.Login(ctx, "zhao.liu", fresh)
		if err != nil {
			t.Fatalf("Login with the reset password: %v", err)
		}
		if !acct.MustChangePassword {
			t.Fatal("Login: MustChangePassword is not set after a reset")
		}

		// Nobody resets their own password: that is a change, which needs
		// the current one.
		_, err = w.svc.ResetPassword(ctx, w.cityAdmin.Actor(), w.cityAdmin.ID, "admin-own-pass-2")
		wantErr(t, err, apperr.Forbidden, "account.reset_self")
		if _, _, err := w.svc.Login(ctx, w.cityAdmin.Username, testPassword); err != nil {
			t.Fatalf("the refused self-reset changed the password: %v", err)
		}
	})
}

func TestSessionExpiresAfterAbsoluteLifetime(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		token := w.login(t, "city.admin", testPassword)
		// Active every hour, so never idle.
		for range int(testSessionTTL/time.Hour) - 1 {
			w.clock.Advance(time.Hour)
			if _, _, err := w.svc.ActorFromSession(ctx, token); err != nil {
				t.Fatalf("ActorFromSession while active: %v", err)
			}
		}
		w.clock.Advance(time.Hour - time.Millisecond)
		if _, _, err := w.svc.ActorFromSession(ctx, token); err != nil {
			t.Fatalf("ActorFromSession just before the end: %v", err)
		}
		w.clock.Advance(time.Millisecond)
		_, _, err := w.svc.ActorFromSession(ctx, token)
		wantErr(t, err, apperr.Unauthenticated, "auth.session_expired")
		// The expired session is gone for good.
		_, _, err = w.svc.ActorFromSession(ctx, token)
		wantErr(t, err, apperr.Unauthenticated, "auth.session_invalid")
	})
}

func TestSessionExpiresWhenIdle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		token := w.login(t, "city.admin", testPassword)
		w.clock.Advance(testSessionIdle)
		if _, _, err := w.svc.ActorFromSession(ctx, token); err != nil {
			t.Fatalf("ActorFromSession at the idle limit: %v", err)
		}
		// That use restarted the idle time.
		w.clock.Advance(testSessionIdle)
		if _, _, err := w.svc.ActorFromSession(ctx, token); err != nil {
			t.Fatalf("ActorFromSession after activity: %v", err)
		}
		w.clock.Advance(testSessionIdle + time.Millisecond)
		_, _, err := w.svc.ActorFromSession(ctx, token)
		wantErr(t, err, apperr.Unauthenticated, "auth.session_expired")
	})
}

func TestLogoutEndsSession(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		token := w.login(t, "city.admin", testPassword)
		other := w.login(t, "city.admin", testPassword)
		if _, _, err := w.svc.ActorFromSession(ctx, token); err != nil {
			t.Fatalf("ActorFromSession before logout: %v", err)
		}
		if err := w.svc.Logout(ctx, token); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		_, _, err := w.svc.ActorFromSession(ctx, token)
		wantErr(t, err, apperr.Unauthenticated, "auth.session_invalid")
		if _, _, err := w.svc.ActorFromSession(ctx, other); err != nil {
			t.Fatalf("the other session ended too: %v", err)
		}
		for _, junk := range []string{token, "", "cgs_unknown", "cgt_not-a-session"} {
			if err := w.svc.Logout(ctx, junk); err != nil {
				t.Fatalf("Logout(%q): %v, want nil", junk, err)
			}
		}
	})
}

func TestMalformedTokensAreRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		session := w.login(t, "city.admin", testPassword)
		apiToken, _, err := w.svc.CreateAPIToken(ctx, w.cityAdmin.Actor(), "ci", 0)
		if err != nil {
			t.Fatalf("CreateAPIToken: %v", err)
		}
		for _, tok := range []string{"", "cgs_", apiToken, session + "x", "cgs_" + strings.Repeat("a", 200)} {
			_, _, err := w.svc.ActorFromSession(ctx, tok)
			wantErr(t, err, apperr.Unauthenticated, "auth.session_invalid")
		}
		for _, tok := range []string{"", "cgt_", session, apiToken + "x", "cgt_" + strings.Repeat("a", 200)} {
			_, _, err := w.svc.ActorFromAPIToken(ctx, tok)
			wantErr(t, err, apperr.Unauthenticated, "auth.token_invalid")
		}
	})
}

func TestDisablingAccountEndsSessionsAndRevokesAPITokens(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.account(t, w.cityAdmin.Actor(), "zhang.san", identity.RoleOfficer, w.distA)
		s1 := w.login(t, "zhang.san", testPassword)
		s2 := w.login(t, "zhang.san", testPassword)
		tok, _, err := w.svc.CreateAPIToken(ctx, a.Actor(), "手持终端", 0)
		if err != nil {
			t.Fatalf("CreateAPIToken: %v", err)
		}
		adminSession := w.login(t, "city.admin", testPassword)
		// Resolve every credential first, so that none is refused merely
		// for never having been looked up.
		for _, s := range []string{s1, s2, adminSession} {
			if _, _, err := w.svc.ActorFromSession(ctx, s); err != nil {
				t.Fatalf("ActorFromSession before disabling: %v", err)
			}
		}
		if _, _, err := w.svc.ActorFromAPIToken(ctx, tok); err != nil {
			t.Fatalf("ActorFromAPIToken before disabling: %v", err)
		}

		if _, err := w.svc.UpdateAccount(ctx, w.cityAdmin.Actor(), a.ID, identity.AccountPatch{Disabled: new(true)}); err != nil {
			t.Fatalf("disable: %v", err)
		}
		for _, s := range []string{s1, s2} {
			_, _, err := w.svc.ActorFromSession(ctx, s)
			wantErr(t, err, apperr.Unauthenticated, "auth.session_invalid")
		}
		_, _, err = w.svc.ActorFromAPIToken(ctx, tok)
		wantErr(t, err, apperr.Unauthenticated, "auth.token_invalid")
		_, _, err = w.svc.Login(ctx, "zhang.san", testPassword)
		wantErr(t, err, apperr.Forbidden, "login.disabled")
		// Other accounts keep their sessions.
		if _, _, err := w.svc.ActorFromSession(ctx, adminSession); err != nil {
			t.Fatalf("the administrator's session: %v", err)
		}

		// Re-enabling does not bring revoked tokens back.
		if _, err := w.svc.UpdateAccount(ctx, w.cityAdmin.Actor(), a.ID, identity.AccountPatch{Disabled: new(false)}); err != nil {
			t.Fatalf("enable: %v", err)
		}
		_, _, err = w.svc.ActorFromAPIToken(ctx, tok)
		wantErr(t, err, apperr.Unauthenticated, "auth.token_invalid")
		if _, _, err := w.svc.Login(ctx, "zhang.san", testPassword); err != nil {
			t.Fatalf("Login after re-enabling: %v", err)
		}
	})
}

func TestRevokeAccessEndsSessionsAndTokensButKeepsAccount(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.account(t, w.cityAdmin.Actor(), "zhang.san", identity.RoleOfficer, w.distA)
		s := w.login(t, "zhang.san", testPassword)
		tok, _, err := w.svc.CreateAPIToken(ctx, a.Actor(), "ci", 0)
		if err != nil {
			t.Fatalf("CreateAPIToken: %v", err)
		}
		if _, _, err := w.svc.ActorFromSession(ctx, s); err != nil {
			t.Fatalf("ActorFromSession before RevokeAccess: %v", err)
		}
		if _, _, err := w.svc.ActorFromAPIToken(ctx, tok); err != nil {
			t.Fatalf("ActorFromAPIToken before RevokeAccess: %v", err)
		}
		if _, err := w.svc.RevokeAccess(ctx, w.cityAdmin.Actor(), a.ID); err != nil {
			t.Fatalf("RevokeAccess: %v", err)
		}
		_, _, err = w.svc.ActorFromSession(ctx, s)
		wantErr(t, err, apperr.Unauthenticated, "auth.session_invalid")
		_, _, err = w.svc.ActorFromAPIToken(ctx, tok)
		wantErr(t, err, apperr.Unauthenticated, "auth.token_invalid")
		if _, _, err := w.svc.Login(ctx, "zhang.san", testPassword); err != nil {
			t.Fatalf("Login after RevokeAccess: %v", err)
		}
	})
}

func TestAPITokenWorksUntilRevoked(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.account(t, w.cityAdmin.Actor(), "zhang.san", identity.RoleOfficer, w.distA)
		b := w.account(t, w.cityAdmin.Actor(), "li.si", identity.RoleOfficer, w.distA)
		tok, rec, err := w.svc.CreateAPIToken(ctx, a.Actor(), " 数据同步 ", 0)
		if err != nil {
			t.Fatalf("CreateAPIToken: %v", err)
		}
		if !strings.HasPrefix(tok, "cgt_") || rec.Name != "数据同步" || !rec.ExpiresAt.IsZero() || rec.AccountID != a.ID {
			t.Fatalf("CreateAPIToken: token %q record %+v", tok, *rec)
		}
		if tableHolds(t, db, "api_tokens", tok) {
			t.Fatal("the api_tokens table holds the token, want only its hash")
		}
		w.clock.Advance(time.Hour)
		actor, acct, err := w.svc.ActorFromAPIToken(ctx, tok)
		if err != nil || actor.AccountID != a.ID || acct.ID != a.ID || !actor.HasRole(identity.RoleOfficer) {
			t.Fatalf("ActorFromAPIToken: %+v, %v", actor, err)
		}
		list, err := w.svc.APITokens(ctx, a.Actor())
		if err != nil || len(list) != 1 || list[0].ID != rec.ID || !list[0].LastUsedAt.Equal(w.clock.Now()) {
			t.Fatalf("APITokens: %+v, %v; want one token last used now", list, err)
		}
		if list, err := w.svc.APITokens(ctx, b.Actor()); err != nil || len(list) != 0 {
			t.Fatalf("another account's APITokens: %+v, %v; want none", list, err)
		}

		// Only the owner can revoke it; to others it does not exist.
		err = w.svc.RevokeAPIToken(ctx, b.Actor(), rec.ID)
		wantErr(t, err, apperr.NotFound, "token.not_found")
		err = w.svc.RevokeAPIToken(ctx, w.cityAdmin.Actor(), rec.ID)
		wantErr(t, err, apperr.NotFound, "token.not_found")
		if _, _, err := w.svc.ActorFromAPIToken(ctx, tok); err != nil {
			t.Fatalf("token after refused revocations: %v", err)
		}
		if err := w.svc.RevokeAPIToken(ctx, a.Actor(), rec.ID); err != nil {
			t.Fatalf("RevokeAPIToken: %v", err)
		}
		_, _, err = w.svc.ActorFromAPIToken(ctx, tok)
		wantErr(t, err, apperr.Unauthenticated, "auth.token_invalid")
		err = w.svc.RevokeAPIToken(ctx, a.Actor(), "not-an-id")
		wantErr(t, err, apperr.NotFound, "token.not_found")
	})
}

func TestAPITokenExpires(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		admin := w.cityAdmin.Actor()
		tok, rec, err := w.svc.CreateAPIToken(ctx, admin, "one day", 24*time.Hour)
		if err != nil {
			t.Fatalf("CreateAPIToken: %v", err)
		}
		if want := w.clock.Now().Add(24 * time.Hour); !rec.ExpiresAt.Equal(want) {
			t.Fatalf("ExpiresAt: got %v, want %v", rec.ExpiresAt, want)
		}
		w.clock.Advance(24*time.Hour - time.Millisecond)
		if _, _, err := w.svc.ActorFromAPIToken(ctx, tok); err != nil {
			t.Fatalf("ActorFromAPIToken before expiry: %v", err)
		}
		w.clock.Advance(time.Millisecond)
		_, _, err = w.svc.ActorFromAPIToken(ctx, tok)
		wantErr(t, err, apperr.Unauthenticated, "auth.token_invalid")

		_, _, err = w.svc.CreateAPIToken(ctx, admin, "negative", -time.Hour)
		wantField(t, err, "ttl_days", "token.ttl_range")
		_, _, err = w.svc.CreateAPIToken(ctx, admin, "too long", 367*24*time.Hour)
		wantField(t, err, "ttl_days", "token.ttl_range")
		_, _, err = w.svc.CreateAPIToken(ctx, admin, "  ", 0)
		wantField(t, err, "name", "field.required")
	})
}

func TestSystemActorHasNoTokensOrPassword(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		sys := identity.System()
		_, _, err := w.svc.CreateAPIToken(ctx, sys, "x", 0)
		wantErr(t, err, apperr.Forbidden, "perm.system_administers_only")
		_, err = w.svc.APITokens(ctx, sys)
		wantErr(t, err, apperr.Forbidden, "perm.system_administers_only")
		// "system" is no UUID: it must be refused before it reaches a query.
		err = w.svc.RevokeAPIToken(ctx, sys, w.cityAdmin.ID)
		wantErr(t, err, apperr.Forbidden, "perm.system_administers_only")
		err = w.svc.ChangeOwnPassword(ctx, sys, "a", "b", "")
		wantErr(t, err, apperr.Forbidden, "perm.system_administers_only")
		err = w.svc.RevokeAPIToken(ctx, nil, w.cityAdmin.ID)
		wantErr(t, err, apperr.Unauthenticated, "perm.not_signed_in")
	})
}

func TestOpen311KeyIsVerifiedAndOnlyItsHashIsStored(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		key, rec, err := w.svc.CreateOpen311Key(ctx, w.cityAdmin.Actor(), "随手拍")
		if err != nil {
			t.Fatalf("CreateOpen311Key: %v", err)
		}
		if !strings.HasPrefix(key, "cgk_") || rec.Name != "随手拍" {
			t.Fatalf("CreateOpen311Key: key %q record %+v", key, *rec)
		}
		if tableHolds(t, db, "open311_keys", key) || tableHolds(t, db, "open311_keys", strings.TrimPrefix(key, "cgk_")) {
			t.Fatal("the open311_keys table holds the key, want only its hash")
		}
		got, err := w.svc.VerifyOpen311Key(ctx, key)
		if err != nil || got.ID != rec.ID {
			t.Fatalf("VerifyOpen311Key: %+v, %v", got, err)
		}
		for _, bad := range []string{"", key + "x", "cgk_unknown", "cgt_" + strings.TrimPrefix(key, "cgk_")} {
			_, err := w.svc.VerifyOpen311Key(ctx, bad)
			wantErr(t, err, apperr.Forbidden, "open311.key_invalid")
		}
		// A revoked key is refused at once, though its record was cached by
		// the verification above.
		if err := w.svc.RevokeOpen311Key(ctx, w.cityAdmin.Actor(), rec.ID); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		_, err = w.svc.VerifyOpen311Key(ctx, key)
		wantErr(t, err, apperr.Forbidden, "open311.key_invalid")

		officer := w.account(t, w.cityAdmin.Actor(), "zhang.san", identity.RoleOfficer, w.city)
		_, _, err = w.svc.CreateOpen311Key(ctx, officer.Actor(), "x")
		wantErr(t, err, apperr.Forbidden, "perm.role_required")
		_, _, err = w.svc.CreateOpen311Key(ctx, w.cityAdmin.Actor(), "")
		wantField(t, err, "name", "field.required")
	})
}

func TestChangeOwnPassword(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.account(t, w.cityAdmin.Actor(), "zhang.san", identity.RoleOfficer, w.distA)
		if _, err := w.svc.ResetPassword(ctx, w.cityAdmin.Actor(), a.ID, "temporary-pass"); err != nil {
			t.Fatalf("ResetPassword: %v", err)
		}
		_, acct, err := w.svc.Login(ctx, "zhang.san", "temporary-pass")
		if err != nil || !acct.MustChangePassword {
			t.Fatalf("Login after reset: %+v, %v", acct, err)
		}
		actor := acct.Actor()

		err = w.svc.ChangeOwnPassword(ctx, actor, "wrong-current", "brand-new-pass", "")
		wantField(t, err, "current_password", "password.wrong")
		err = w.svc.ChangeOwnPassword(ctx, actor, "temporary-pass", "short", "")
		wantField(t, err, "new_password", "password.too_short")
		err = w.svc.ChangeOwnPassword(ctx, actor, "temporary-pass", "temporary-pass", "")
		wantField(t, err, "new_password", "password.unchanged")
		err = w.svc.ChangeOwnPassword(ctx, nil, "temporary-pass", "brand-new-pass", "")
		wantErr(t, err, apperr.Unauthenticated, "perm.not_signed_in")

		current, _, err := w.svc.Login(ctx, "zhang.san", "temporary-pass")
		if err != nil {
			t.Fatalf("second login: %v", err)
		}
		other, _, err := w.svc.Login(ctx, "zhang.san", "temporary-pass")
		if err != nil {
			t.Fatalf("third login: %v", err)
		}
		if err := w.svc.ChangeOwnPassword(ctx, actor, "temporary-pass", "brand-new-pass", current); err != nil {
			t.Fatalf("ChangeOwnPassword: %v", err)
		}
		if _, _, err := w.svc.ActorFromSession(ctx, current); err != nil {
			t.Fatalf("the session that changed the password was ended: %v", err)
		}
		if _, _, err := w.svc.ActorFromSession(ctx, other); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("another session survived the password change: %v", err)
		}
		if w.fresh(t, a.ID).MustChangePassword {
			t.Fatal("MustChangePassword still set after the owner changed the password")
		}
		_, _, err = w.svc.Login(ctx, "zhang.san", "temporary-pass")
		wantErr(t, err, apperr.Unauthenticated, "login.failed")
		if _, _, err := w.svc.Login(ctx, "zhang.san", "brand-new-pass"); err != nil {
			t.Fatalf("Login with the new password: %v", err)
		}
	})
}

// TestParallelGuessesCannotOutrunTheFailureCount sends many wrong passwords
// at once: each attempt is counted before its hash runs, so no more than
// SlowAfter of them have their password checked.
func TestParallelGuessesCannotOutrunTheFailureCount(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		w.account(t, w.cityAdmin.Actor(), "zhao.liu", identity.RoleOfficer, w.distA)
		const guesses = 24
		errs := make(chan error, guesses)
		var wg sync.WaitGroup
		for range guesses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := w.svc.Login(context.Background(), "zhao.liu", "wrong-password")
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		checked := 0
		for err := range errs {
			switch apperr.CodeOf(err) {
			case apperr.Unauthenticated:
				checked++
			case apperr.RateLimited, apperr.AccountLocked:
			default:
				t.Fatalf("unexpected answer to a guess: %v", err)
			}
		}
		if checked > testSlowAfter {
			t.Fatalf("%d parallel guesses had their password checked, want at most %d", checked, testSlowAfter)
		}
	})
}
