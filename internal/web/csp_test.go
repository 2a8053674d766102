package web

import (
	"strings"
	"testing"
)

func TestContentSecurityPolicyAllowsTheConfiguredTileServerOnly(t *testing.T) {
	cases := map[string]string{
		"": "img-src 'self' data: blob:;",
		"https://tiles.example.gov.cn/{z}/{x}/{y}.png": "img-src 'self' data: blob: https://tiles.example.gov.cn;",
		"https://{s}.tiles.example.gov.cn/{z}/{x}/{y}": "img-src 'self' data: blob: https://*.tiles.example.gov.cn;",
		"not a url": "img-src 'self' data: blob:;",
	}
	for tiles, want := range cases {
		got := contentSecurityPolicy(tiles)
		if !strings.Contains(got, want) || !strings.Contains(got, "script-src 'self';") {
			t.Errorf("tiles %q: CSP %q lacks %q", tiles, got, want)
		}
	}
}
