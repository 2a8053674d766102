package web

import "testing"

func TestLocalPathKeepsRedirectsOnThisSite(t *testing.T) {
	cases := map[string]string{
		"/admin/accounts?role=officer": "/admin/accounts?role=officer",
		"/":                            "/",
		"":                             "/",
		"//evil.example/":              "/",
		"/\\evil.example/":             "/",
		"/\t/evil.example/":            "/",
		"/\n/evil.example/":            "/",
		"/%09/evil.example/":           "/%09/evil.example/", // stays a path here: %09 is not decoded by browsers in the path
		"https://evil.example/":        "/",
		"javascript:alert(1)":          "/",
		"evil.example":                 "/",
		"/\x7f/evil.example":           "/",
	}
	for in, want := range cases {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
