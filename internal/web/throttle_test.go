package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestLoginThrottleBlocksAClientAfterTheLimitForTheWindow(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	th := newLoginThrottle(3, 10*time.Minute)
	th.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if w := th.wait("203.0.113.7"); w != 0 {
			t.Fatalf("failure %d: blocked already (%v)", i, w)
		}
		th.failed("203.0.113.7")
	}
	if w := th.wait("203.0.113.7"); w != 10*time.Minute {
		t.Fatalf("after the limit: wait %v, want the rest of the window", w)
	}
	if w := th.wait("203.0.113.8"); w != 0 {
		t.Fatalf("another client is blocked too: %v", w)
	}
	now = now.Add(10 * time.Minute)
	if w := th.wait("203.0.113.7"); w != 0 {
		t.Fatalf("after the window: still blocked for %v", w)
	}
}

func TestLoginThrottleStaysBounded(t *testing.T) {
	th := newLoginThrottle(1, time.Hour)
	for i := 0; i < maxThrottled+10; i++ {
		th.failed(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String())
	}
	if n := len(th.clients); n > maxThrottled {
		t.Fatalf("throttle holds %d clients, more than %d", n, maxThrottled)
	}
}

func TestClientAddrTrustsForwardedForOnlyFromProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name, remote, xff, want string
	}{
		{"direct client", "203.0.113.7:5000", "", "203.0.113.7"},
		{"direct client forging the header", "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"through a proxy", "10.0.0.1:443", "198.51.100.1", "198.51.100.1"},
		{"through two proxies", "10.0.0.1:443", "198.51.100.1, 10.0.0.2", "198.51.100.1"},
		{"forged hop before the real client", "10.0.0.1:443", "1.1.1.1, 198.51.100.1", "198.51.100.1"},
		{"proxy without the header", "10.0.0.1:443", "", "10.0.0.1"},
		{"IPv6 client", "[2001:db8::1]:5000", "", "2001:db8::1"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := clientAddr(r, proxies); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
