package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban/taxonomy"
)

var trackLink = regexp.MustCompile(`id="track-link" href="(/track/([^"?]+)\?k=([^"]+))"`)

// residentReport sends the public form with clientID, or a fresh form's when it is
// empty, and returns the answer and the client ID.
func residentReport(t *testing.T, a *app, resident *user, clientID, description string) (*reply, string) {
	t.Helper()
	cat := a.category(t, taxonomy.Event, "0102")
	if clientID == "" {
		m := clientIDField.FindSubmatch(resident.get(t, "/report").body)
		if m == nil {
			t.Fatal("the resident form has no client_id")
		}
		clientID = string(m[1])
	}
	r := resident.postMultipart(t, "/report", url.Values{"category_id": {cat.ID}, "description": {description},
		"lon": {"113.2000"}, "lat": {"33.7600"}, "client_id": {clientID}}, testJPEG)
	r.wantStatus(t, http.StatusCreated)
	return r, clientID
}

// TestAResubmittedResidentFormShowsTheSameWorkingLink: the tracking secret is derived
// from the case under the installation's key, so the form sent twice (a slow network, a
// second tap) answers with the same link, which opens the case; another case's secret
// does not open it.
func TestAResubmittedResidentFormShowsTheSameWorkingLink(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		resident := a.anonymous()
		first, client := residentReport(t, a, resident, "", "垃圾桶满溢")
		link := trackLink.FindSubmatch(first.body)
		if link == nil {
			t.Fatalf("no tracking link: %s", first)
		}
		again, _ := residentReport(t, a, resident, client, "垃圾桶满溢")
		again.wantBody(t, a.T("zh-CN", "report.link_keep", nil))
		if m := trackLink.FindSubmatch(again.body); m == nil || string(m[1]) != string(link[1]) {
			t.Fatalf("the resubmission shows %q, want the first link %s", m, link[1])
		}
		track := strings.ReplaceAll(string(link[1]), "&amp;", "&")
		resident.get(t, track).wantStatus(t, http.StatusOK)

		second, _ := residentReport(t, a, a.anonymous(), "", "井盖缺失")
		other := trackLink.FindSubmatch(second.body)
		if other == nil || string(other[3]) == string(link[3]) {
			t.Fatalf("another case's link %q shares the first one's secret", other)
		}
		resident.get(t, "/track/"+string(link[2])+"?k="+string(other[3])).wantStatus(t, http.StatusNotFound)
		resident.get(t, "/track/"+string(other[2])+"?k="+string(link[3])).wantStatus(t, http.StatusNotFound)
	})
}

// TestACaseWithARandomSecretStillOpensAndItsResubmissionSaysWhyNoLink: a case made
// before the tracking key existed keeps its random secret, which nobody can derive
// again: its link still opens, and a resubmission says the link was given the first time.
func TestACaseWithARandomSecretStillOpensAndItsResubmissionSaysWhyNoLink(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		resident := a.anonymous()
		first, client := residentReport(t, a, resident, "", "路灯不亮")
		link := trackLink.FindSubmatch(first.body)
		if link == nil {
			t.Fatalf("no tracking link: %s", first)
		}
		// What a case made before the key looks like: the hash of a random secret.
		const old = "6f1ed002ab5595859014ebf0951522d9"
		sum := sha256.Sum256([]byte(old))
		err := db.Transact(context.Background(), func(q storage.Querier) error {
			_, err := q.ExecContext(context.Background(), `UPDATE cases SET tracking_hash = $1 WHERE number = $2`,
				hex.EncodeToString(sum[:]), string(link[2]))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		resident.get(t, "/track/"+string(link[2])+"?k="+old).wantStatus(t, http.StatusOK)
		resident.get(t, strings.ReplaceAll(string(link[1]), "&amp;", "&")).wantStatus(t, http.StatusNotFound)

		again, _ := residentReport(t, a, resident, client, "路灯不亮")
		again.wantBody(t, `id="resubmitted-no-link"`, a.T("zh-CN", "report.resubmitted", map[string]any{"Number": string(link[2])}))
		if strings.Contains(again.String(), "track-link") || strings.Contains(again.String(), "?k=") {
			t.Fatalf("the resubmission of an old-style case shows a link: %s", again)
		}
	})
}
