package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chengguan/internal/i18n"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

func TestAccountPageShowsItsRecordedChangesAndTheChainChecks(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		admin := a.loginDemo(t, "admin")
		op := a.account(t, "operator")
		admin.postForm(t, "/admin/accounts/"+op.ID, url.Values{"display_name": {"李受理（新）"}}).wantRedirect(t, "/admin/accounts/"+op.ID)

		page := admin.get(t, "/admin/accounts/"+op.ID)
		page.wantStatus(t, http.StatusOK)
		body := page.String()
		for _, want := range []string{
			escaped(a.T(i18n.ZH, "ledger.heading", nil)),
			escaped(a.T(i18n.ZH, "account.create", nil)), // the demo loader created it, as the system
			escaped(a.T(i18n.ZH, "account.update", nil)), // the rename, by the administrator
			"王管理",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the account's timeline lacks %q", want)
			}
		}

		check := admin.get(t, "/admin/ledger")
		check.wantStatus(t, http.StatusOK)
		if !strings.Contains(check.String(), `class="notice ok"`) {
			t.Fatalf("an untouched chain is not reported sound:\n%.2000s", check.body)
		}
		a.loginDemo(t, "supervisor").get(t, "/admin/ledger").wantStatus(t, http.StatusOK)
		a.loginDemo(t, "officer").get(t, "/admin/ledger").wantStatus(t, http.StatusForbidden)

		// Editing a record behind the application's back shows on the check.
		if err := db.Transact(t.Context(), func(q storage.Querier) error {
			_, err := q.ExecContext(t.Context(), `UPDATE ledger SET reason = 'edited' WHERE seq = 2`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		broken := admin.get(t, "/admin/ledger")
		broken.wantStatus(t, http.StatusOK)
		want := escaped(a.T(i18n.ZH, "ledger.broken", map[string]any{"Seq": 2, "Kind": a.T(i18n.ZH, "ledger.kind.edited", nil)}))
		if !strings.Contains(broken.String(), want) {
			t.Fatalf("an edited record is not reported:\n%.2000s", broken.body)
		}
	})
}
