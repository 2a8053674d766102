package identity

import (
	"sync"
	"sync/atomic"
	"time"
)

// authCache remembers resolved credentials for a few seconds, so that an API
// client's burst of requests costs one database lookup rather than three per
// request. Every write the service makes bumps the generation and so drops
// every entry on this node at once; on other nodes of a cluster a revoked
// session, token or Open311 key stays usable for at most the TTL (Options.AuthCacheTTL).
type authCache struct {
	ttl     time.Duration
	gen     atomic.Uint64
	mu      sync.RWMutex
	entries map[string]authEntry
}

type authEntry struct {
	actor   *Actor
	account *Account
	open311 *Open311Key // for an Open311 api_key: the key, nothing else
	unit    *Unit       // for a unit lookup (UnitLookup)
	gen     uint64
	until   time.Time
}

// maxAuthEntries bounds the cache; past it, expired entries are swept and,
// if that is not enough, the cache starts over.
const maxAuthEntries = 10000

func newAuthCache(ttl time.Duration) *authCache {
	return &authCache{ttl: ttl, entries: map[string]authEntry{}}
}

func (c *authCache) get(key string, now time.Time) (*Actor, *Account, bool) {
	e, ok := c.live(key, now)
	if !ok || e.actor == nil {
		return nil, nil, false
	}
	// Copies, so a caller that edits its values cannot change the cache.
	actor, account := *e.actor, *e.account
	return &actor, &account, true
}

// getOpen311 is get for an Open311 api_key's record.
func (c *authCache) getOpen311(key string, now time.Time) (*Open311Key, bool) {
	e, ok := c.live(key, now)
	if !ok || e.open311 == nil {
		return nil, false
	}
	k := *e.open311
	return &k, true
}

// getUnit is get for a unit looked up by UnitLookup.
func (c *authCache) getUnit(key string, now time.Time) (*Unit, bool) {
	e, ok := c.live(key, now)
	if !ok || e.unit == nil {
		return nil, false
	}
	u := *e.unit
	return &u, true
}

// live returns the entry of key if it is of the current generation and not expired.
func (c *authCache) live(key string, now time.Time) (authEntry, bool) {
	if c.ttl <= 0 {
		return authEntry{}, false
	}
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || e.gen != c.gen.Load() || !now.Before(e.until) {
		return authEntry{}, false
	}
	return e, true
}

// put stores an entry valid until the earlier of the TTL and limit.
func (c *authCache) put(key string, actor *Actor, account *Account, gen uint64, now, limit time.Time) {
	c.store(key, authEntry{actor: actor, account: account, gen: gen}, now, limit)
}

// putOpen311 stores an Open311 key's record.
func (c *authCache) putOpen311(key string, k *Open311Key, gen uint64, now time.Time) {
	c.store(key, authEntry{open311: k, gen: gen}, now, time.Time{})
}

// putUnit stores a unit looked up by UnitLookup.
func (c *authCache) putUnit(key string, u *Unit, gen uint64, now time.Time) {
	c.store(key, authEntry{unit: u, gen: gen}, now, time.Time{})
}

func (c *authCache) store(key string, e authEntry, now, limit time.Time) {
	if c.ttl <= 0 {
		return
	}
	until := now.Add(c.ttl)
	if !limit.IsZero() && limit.Before(until) {
		until = limit
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxAuthEntries {
		for k, e := range c.entries {
			if !now.Before(e.until) || e.gen != c.gen.Load() {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxAuthEntries {
			c.entries = map[string]authEntry{}
		}
	}
	e.until = until
	c.entries[key] = e
}

// generation is read before a lookup so that a write racing with it makes
// the stored entry stale at once.
func (c *authCache) generation() uint64 { return c.gen.Load() }

// invalidate drops every entry.
func (c *authCache) invalidate() { c.gen.Add(1) }
