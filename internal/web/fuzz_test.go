package web_test

import (
	"bytes"
	"net/http"
	"testing"

	"chengguan/internal/storage/storagetest"
)

// FuzzAPIRequestDecoding sends arbitrary bodies and content types to the
// API's decoding paths as an authenticated administrator. Whatever arrives,
// the answer is never a server error, and a refusal is the one error shape.
func FuzzAPIRequestDecoding(f *testing.F) {
	a := startApp(f, storagetest.OpenSQLite(f))
	admin := a.bearer(f, "admin", demoPassword)
	unit := a.unitID(f, "419901001001")
	squad := a.unitID(f, "419901-ZD01")
	targets := []struct{ method, path string }{
		{http.MethodPost, "/api/v1/accounts"},
		{http.MethodPatch, "/api/v1/units/" + unit},
		{http.MethodPost, "/api/v1/tokens"},
	}

	const ct = "application/json"
	seeds := []struct {
		target      uint8
		contentType string
		body        string
	}{
		{0, ct, `{"username":"fuzz.one","display_name":"模糊","password":"long-enough-1","roles":[{"role":"officer","unit_id":"` + squad + `"}]}`},
		{0, ct, `{"username":"x","display_name":"","password":"","roles":[{"role":"emperor","unit_id":"nope"}]}`},
		{0, ct, `{"username":"fuzz.two","display_name":"a","password":"long-enough-1","roles":null}`},
		{0, ct, `{"roles":[` + string(bytes.Repeat([]byte(`{"role":"officer","unit_id":"`+squad+`"},`), 60)) + `{}]}`},
		{1, ct, `{"name":"鹰城社区","name_en":"Yingcheng"}`},
		{1, ct, `{"code":"","disabled":"true"}`},
		{1, ct, `{"code":"419901001001","disabled":false,"name":"\u0000"}`},
		{1, "application/merge-patch+json", `{"name":null}`},
		{2, ct, `{"name":"ci","ttl_days":30}`},
		{2, ct, `{"name":"ci","ttl_days":-1}`},
		{2, ct, `{"name":"ci","ttl_days":1.5e308}`},
		{2, ct, `{"name":"` + "\xff" + `"}`},
		{2, "application/json; charset=utf-16", `{"name":"x"}`},
		{2, "text/plain", `name=x`},
		{2, "application/x-www-form-urlencoded", `name=x&ttl_days=3`},
		{2, "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--x--\r\n"},
		{2, "application/cbor", "\xa1dnameax"},
		{2, "", `{"name":"no content type"}`},
		{2, ct, `[`},
		{2, ct, `{"name":"a","name":"b"}`},
		{2, ct, string(bytes.Repeat([]byte("["), 3000))},
	}
	for _, s := range seeds {
		f.Add(s.target, s.contentType, []byte(s.body))
	}

	f.Fuzz(func(t *testing.T, target uint8, contentType string, body []byte) {
		if !validHeaderValue(contentType) {
			t.Skip("a client cannot send this Content-Type")
		}
		tt := targets[int(target)%len(targets)]
		header := []string{"Accept", "application/json"}
		if contentType != "" {
			header = append(header, "Content-Type", contentType)
		}
		r := admin.do(t, tt.method, tt.path, bytes.NewReader(body), header...)
		if r.status >= 500 {
			t.Fatalf("%s %s with %q: status %d; body:\n%.1000s\nlog tail:\n%s", tt.method, tt.path, contentType, r.status, r.body, lastLines(a.Logs(), 3))
		}
		if r.status >= 400 {
			if err := checkErrorShape(r.header.Get("Content-Type"), r.body); err != "" {
				t.Fatalf("%s %s with %q: status %d, %s; body:\n%.1000s", tt.method, tt.path, contentType, r.status, err, r.body)
			}
		}
	})
}

// validHeaderValue reports whether net/http will send v as a header value:
// no control characters but tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := bytes.Split(bytes.TrimSpace([]byte(s)), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
