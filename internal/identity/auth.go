package identity

import (
	"context"
	"strconv"
	"strings"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/ids"
)

// Token prefixes make leaked secrets recognisable to scanners and people.
const (
	sessionPrefix = "cgs_"
	apiPrefix     = "cgt_"
	open311Prefix = "cgk_"
)

// actAccountLock names, in the ledger, the lock the service itself puts on
// an account after too many failed sign-ins.
const actAccountLock Action = "account.lock"

// touchEvery limits last-seen writes to one per minute per session or token.
const touchEvery = time.Minute

// Login checks a username and password and opens a session. Failures are
// counted per account: after SlowAfter failures each attempt must wait an
// increasing delay (refused with rate_limited, password not checked), and
// after LockAfter failures the account is locked until an administrator
// unlocks it. Unknown usernames and wrong passwords get the same answer.
//
// Each attempt is booked as a failure before its password is checked, in a
// transaction that also checks the lock and the delay: parallel guesses
// cannot slip past the count while the (slow) hash runs. A correct password
// then clears the count.
func (s *Service) Login(ctx context.Context, username, password string) (token string, a *Account, err error) {
	username = NormaliseUsername(username)
	// A username no account can have never reaches the store: PostgreSQL
	// refuses a NUL byte in text with an error, not with "no such row".
	if !usernamePattern.MatchString(username) || password == "" || len(password) > MaxPasswordLen {
		return "", nil, apperr.New(apperr.Unauthenticated, "login.failed")
	}
	a, err = s.store.AccountByUsername(ctx, username)
	if apperr.Is(err, apperr.NotFound) {
		_, _ = s.verify(ctx, s.dummyHash, password)
		return "", nil, apperr.New(apperr.Unauthenticated, "login.failed")
	}
	if err != nil {
		return "", nil, err
	}
	if err := s.bookAttempt(ctx, a.ID); err != nil {
		return "", nil, err
	}
	ok, err := s.verify(ctx, a.PasswordHash, password)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", nil, apperr.New(apperr.Unauthenticated, "login.failed")
	}
	if a.Disabled {
		return "", nil, apperr.New(apperr.Forbidden, "login.disabled")
	}
	token, hash := newSecret(sessionPrefix)
	now := s.now()
	// A new session and cleared failure counters change nothing a cached
	// credential holds, so this write keeps the cache.
	err = s.store.Atomic(ctx, func(ctx context.Context, tx Store) error {
		fresh, err := tx.AccountByID(ctx, a.ID)
		if err != nil {
			return err
		}
		clearFailures(fresh)
		fresh.LastLoginAt = now
		fresh.UpdatedAt = now
		if err := tx.UpdateAccount(ctx, fresh); err != nil {
			return err
		}
		a = fresh
		return tx.CreateSession(ctx, &Session{TokenHash: hash, AccountID: a.ID, CreatedAt: now,
			ExpiresAt: now.Add(s.opt.SessionTTL), LastSeenAt: now})
	})
	if err != nil {
		return "", nil, err
	}
	return token, a, nil
}

// bookAttempt refuses a sign-in attempt on a locked account or before its
// wait is over; otherwise it counts the attempt as a failure, with the delay
// or lock that failure brings, until a correct password clears it.
func (s *Service) bookAttempt(ctx context.Context, id string) error {
	return s.store.Atomic(ctx, func(ctx context.Context, tx Store) error {
		a, err := tx.AccountByID(ctx, id)
		if err != nil {
			return err
		}
		now := s.now()
		if a.Locked() {
			return apperr.New(apperr.AccountLocked, "login.locked")
		}
		if now.Before(a.RetryAt) {
			wait := int(a.RetryAt.Sub(now).Seconds() + 0.999)
			return apperr.New(apperr.RateLimited, "login.wait").With(map[string]any{"Seconds": wait})
		}
		before := *a
		a.FailedLogins++
		if a.FailedLogins >= s.opt.LockAfter {
			a.LockedAt = now
		} else if a.FailedLogins >= s.opt.SlowAfter {
			a.RetryAt = now.Add(retryDelay(a.FailedLogins-s.opt.SlowAfter, s.opt.MaxDelay))
		}
		a.UpdatedAt = now
		if err := tx.UpdateAccount(ctx, a); err != nil {
			return err
		}
		// Counting an attempt is bookkeeping; locking the account is a change
		// of its state, and is recorded.
		if a.Locked() && !before.Locked() {
			return s.record(ctx, tx, nil, actAccountLock, Resource{}, "account", a.ID, before, a)
		}
		return nil
	})
}

// retryDelay doubles from one second per extra failure, up to max.
func retryDelay(extra int, max time.Duration) time.Duration {
	if extra > 20 {
		return max
	}
	d := time.Second << extra
	if d > max {
		return max
	}
	return d
}

// Logout ends the session with this token. Ending an unknown session is not
// an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if !strings.HasPrefix(token, sessionPrefix) {
		return nil
	}
	defer s.cache.invalidate()
	return s.store.DeleteSession(ctx, HashSecret(token))
}

// ActorFromSession resolves a session cookie to its actor.
func (s *Service) ActorFromSession(ctx context.Context, token string) (*Actor, *Account, error) {
	if !strings.HasPrefix(token, sessionPrefix) || len(token) > 128 {
		return nil, nil, apperr.New(apperr.Unauthenticated, "auth.session_invalid")
	}
	return s.resolve(ctx, HashSecret(token), s.resolveSession)
}

// ActorFromAPIToken resolves a bearer token to its actor.
func (s *Service) ActorFromAPIToken(ctx context.Context, token string) (*Actor, *Account, error) {
	if !strings.HasPrefix(token, apiPrefix) || len(token) > 128 {
		return nil, nil, apperr.New(apperr.Unauthenticated, "auth.token_invalid")
	}
	return s.resolve(ctx, HashSecret(token), s.resolveToken)
}

type resolved struct {
	actor   *Actor
	account *Account
}

// resolve answers from the credential cache, or runs lookup once for all
// concurrent requests presenting the same credential: a client with many
// connections must not send a herd of identical queries (and, on
// PostgreSQL, of conflicting last-used updates) when its entry expires. The
// shared lookup does not end when the first caller goes away.
func (s *Service) resolve(ctx context.Context, hash string,
	lookup func(ctx context.Context, hash string, gen uint64, now time.Time) (*Actor, *Account, error)) (*Actor, *Account, error) {
	now := s.now()
	if actor, acc, ok := s.cache.get(hash, now); ok {
		return actor, acc, nil
	}
	// The generation is part of the key: a request that arrives after a
	// write (a revocation, say) never joins a lookup that began before it.
	gen := s.cache.generation()
	key := hash + "@" + strconv.FormatUint(gen, 10)
	v, err, _ := s.resolving.Do(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		actor, acc, err := lookup(ctx, hash, gen, now)
		return resolved{actor, acc}, err
	})
	if err != nil {
		return nil, nil, err
	}
	// Copies: the values are shared by every caller of this lookup.
	r := v.(resolved)
	actor, acc := *r.actor, *r.account
	return &actor, &acc, nil
}

func (s *Service) resolveSession(ctx context.Context, hash string, gen uint64, now time.Time) (*Actor, *Account, error) {
	sess, err := s.store.SessionByHash(ctx, hash)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil, apperr.New(apperr.Unauthenticated, "auth.session_invalid")
	}
	if err != nil {
		return nil, nil, err
	}
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.opt.SessionIdle {
		if err := s.store.DeleteSession(ctx, hash); err != nil {
			return nil, nil, err
		}
		return nil, nil, apperr.New(apperr.Unauthenticated, "auth.session_expired")
	}
	a, err := s.activeAccount(ctx, sess.AccountID)
	if err != nil {
		return nil, nil, err
	}
	lastSeen := sess.LastSeenAt
	// Last-seen is bookkeeping for the idle timeout; if the write fails the
	// next lookup tries again, and the request goes on.
	if now.Sub(sess.LastSeenAt) > touchEvery && s.store.TouchSession(ctx, hash, now) == nil {
		lastSeen = now
	}
	limit := sess.ExpiresAt
	if idle := lastSeen.Add(s.opt.SessionIdle); idle.Before(limit) {
		limit = idle
	}
	actor := a.Actor()
	s.cache.put(hash, actor, a, gen, now, limit)
	return actor, a, nil
}

func (s *Service) resolveToken(ctx context.Context, hash string, gen uint64, now time.Time) (*Actor, *Account, error) {
	t, err := s.store.APITokenByHash(ctx, hash)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil, apperr.New(apperr.Unauthenticated, "auth.token_invalid")
	}
	if err != nil {
		return nil, nil, err
	}
	if !t.RevokedAt.IsZero() || (!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) {
		return nil, nil, apperr.New(apperr.Unauthenticated, "auth.token_invalid")
	}
	a, err := s.activeAccount(ctx, t.AccountID)
	if err != nil {
		return nil, nil, err
	}
	// Last-used is advisory: a failed write is retried by the next lookup.
	if now.Sub(t.LastUsedAt) > touchEvery {
		_ = s.store.TouchAPIToken(ctx, t.ID, now)
	}
	actor := a.Actor()
	s.cache.put(hash, actor, a, gen, now, t.ExpiresAt)
	return actor, a, nil
}

func (s *Service) activeAccount(ctx context.Context, id string) (*Account, error) {
	a, err := s.store.AccountByID(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.New(apperr.Unauthenticated, "auth.session_invalid")
	}
	if err != nil {
		return nil, err
	}
	if a.Disabled {
		return nil, apperr.New(apperr.Unauthenticated, "login.disabled")
	}
	return a, nil
}

// CreateAPIToken issues a bearer token for the actor's own account. The
// secret is returned once and never stored.
func (s *Service) CreateAPIToken(ctx context.Context, actor *Actor, name string, ttl time.Duration) (string, *APIToken, error) {
	if err := Decide(actor, ActSelfTokens, Owned(actorID(actor))).Err(); err != nil {
		return "", nil, err
	}
	name = strings.TrimSpace(name)
	if k := checkText(name, 1, 64); k != "" {
		return "", nil, apperr.InvalidFields(apperr.Field("name", k))
	}
	if ttl < 0 || ttl > 366*24*time.Hour {
		return "", nil, apperr.InvalidFields(apperr.Field("ttl_days", "token.ttl_range"))
	}
	secret, hash := newSecret(apiPrefix)
	now := s.now()
	t := &APIToken{ID: ids.New(), AccountID: actor.AccountID, Name: name, TokenHash: hash, CreatedAt: now}
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl)
	}
	err := s.write(ctx, func(ctx context.Context, tx Store) error {
		if err := tx.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, ActSelfTokens, Owned(actor.AccountID), "api_token", t.ID, nil, t)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// APITokens lists the actor's own tokens.
func (s *Service) APITokens(ctx context.Context, actor *Actor) ([]APIToken, error) {
	if err := Decide(actor, ActSelfTokens, Owned(actorID(actor))).Err(); err != nil {
		return nil, err
	}
	return s.store.ListAPITokens(ctx, actor.AccountID)
}

// RevokeAPIToken revokes one of the actor's own tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, actor *Actor, id string) error {
	// Refuse a missing, disabled or system actor before its ID reaches a
	// query: "system" is not a UUID, which PostgreSQL rejects.
	if err := Decide(actor, ActSelfTokens, Owned(actorID(actor))).Err(); err != nil {
		return err
	}
	if !ids.Valid(id) {
		return apperr.New(apperr.NotFound, "token.not_found")
	}
	return s.write(ctx, func(ctx context.Context, tx Store) error {
		tokens, err := tx.ListAPITokens(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			if t.ID == id {
				if err := Decide(actor, ActSelfTokens, Owned(t.AccountID)).Err(); err != nil {
					return err
				}
				now := s.now()
				if err := tx.RevokeAPIToken(ctx, id, now); err != nil {
					return err
				}
				after := t
				if after.RevokedAt.IsZero() {
					after.RevokedAt = now
				}
				return s.record(ctx, tx, actor, ActSelfTokens, Owned(t.AccountID), "api_token", id, t, after)
			}
		}
		return apperr.New(apperr.NotFound, "token.not_found")
	})
}

// CreateOpen311Key issues an Open311 api_key for a civic app. Only its hash
// is stored; the key is returned once.
func (s *Service) CreateOpen311Key(ctx context.Context, actor *Actor, name string) (string, *Open311Key, error) {
	// A key admits reports anywhere in the city, so only an administrator
	// of the whole tree may issue one.
	if err := Decide(actor, ActOpen311KeyManage, Resource{}).Err(); err != nil {
		return "", nil, err
	}
	name = strings.TrimSpace(name)
	if k := checkText(name, 1, 64); k != "" {
		return "", nil, apperr.InvalidFields(apperr.Field("name", k))
	}
	secret, hash := newSecret(open311Prefix)
	k := &Open311Key{ID: ids.New(), Name: name, KeyHash: hash, CreatedAt: s.now()}
	err := s.write(ctx, func(ctx context.Context, tx Store) error {
		if err := tx.CreateOpen311Key(ctx, k); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, ActOpen311KeyManage, Resource{}, "open311_key", k.ID, nil, k)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, k, nil
}

// VerifyOpen311Key returns the key record for a presented api_key.
func (s *Service) VerifyOpen311Key(ctx context.Context, key string) (*Open311Key, error) {
	if !strings.HasPrefix(key, open311Prefix) || len(key) > 128 {
		return nil, apperr.New(apperr.Forbidden, "open311.key_invalid")
	}
	hash := HashSecret(key)
	now := s.now()
	// A client posts many reports with one key: its record is cached like a
	// session's (a revocation on this node drops it at once).
	if k, ok := s.cache.getOpen311("open311:"+hash, now); ok {
		return k, nil
	}
	gen := s.cache.generation()
	k, err := s.store.Open311KeyByHash(ctx, hash)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !k.RevokedAt.IsZero()) {
		return nil, apperr.New(apperr.Forbidden, "open311.key_invalid")
	}
	if err != nil {
		return nil, err
	}
	c := *k
	s.cache.putOpen311("open311:"+hash, &c, gen, now)
	return k, nil
}

// Open311Keys lists every Open311 key, revoked ones too.
func (s *Service) Open311Keys(ctx context.Context, actor *Actor) ([]Open311Key, error) {
	if err := Decide(actor, ActOpen311KeyManage, Resource{}).Err(); err != nil {
		return nil, err
	}
	return s.store.ListOpen311Keys(ctx)
}

// RevokeOpen311Key stops a key from being accepted.
func (s *Service) RevokeOpen311Key(ctx context.Context, actor *Actor, id string) error {
	if err := Decide(actor, ActOpen311KeyManage, Resource{}).Err(); err != nil {
		return err
	}
	if !ids.Valid(id) {
		return apperr.New(apperr.NotFound, "open311.key_not_found")
	}
	return s.write(ctx, func(ctx context.Context, tx Store) error {
		if err := tx.RevokeOpen311Key(ctx, id, s.now()); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, ActOpen311KeyManage, Resource{}, "open311_key", id, nil, map[string]any{"revoked": true})
	})
}
