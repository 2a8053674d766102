package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// loginThrottle counts failed sign-ins per client address, so that one
// client cannot try a few passwords on every account (the per-account
// count in identity stops guessing at one account). It is kept in memory on
// each node: a cluster of N nodes allows up to N times the limit.
type loginThrottle struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	clients map[string]throttleEntry
}

type throttleEntry struct {
	failures int
	since    time.Time
}

// maxThrottled bounds the memory the throttle may hold.
const maxThrottled = 100_000

func newLoginThrottle(limit int, window time.Duration) *loginThrottle {
	return &loginThrottle{limit: limit, window: window, now: time.Now, clients: map[string]throttleEntry{}}
}

// wait says how long a client must wait before it may try again; zero when
// it may try now.
func (t *loginThrottle) wait(client string) time.Duration {
	if t.limit <= 0 {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.clients[client]
	now := t.now()
	if !ok || now.Sub(e.since) >= t.window {
		return 0
	}
	if e.failures < t.limit {
		return 0
	}
	return e.since.Add(t.window).Sub(now)
}

// failed counts one failed sign-in of a client.
func (t *loginThrottle) failed(client string) {
	if t.limit <= 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	e, ok := t.clients[client]
	if !ok || now.Sub(e.since) >= t.window {
		if len(t.clients) >= maxThrottled {
			t.sweep(now)
		}
		e = throttleEntry{since: now}
	}
	e.failures++
	t.clients[client] = e
}

// sweep drops expired entries, and everything if that is not enough: better
// to forget some counts than to grow without bound.
func (t *loginThrottle) sweep(now time.Time) {
	for k, e := range t.clients {
		if now.Sub(e.since) >= t.window {
			delete(t.clients, k)
		}
	}
	if len(t.clients) >= maxThrottled {
		t.clients = map[string]throttleEntry{}
	}
}

// clientAddr is the address of the client that sent r. Behind trusted
// proxies it is the right-most X-Forwarded-For address that is not a
// proxy; anything else in that header could be forged by the client.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !inPrefixes(addr, trusted) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !inPrefixes(hop, trusted) {
			return hop.String()
		}
	}
	return host
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
