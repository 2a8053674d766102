package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"chengguan/internal/apperr"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/personnel/sheet"
)

type ctxKey int

const keyRequest ctxKey = 0

// reqInfo travels in the request context: the request ID for logs, the
// language for messages and who is asking.
type reqInfo struct {
	id  string
	loc *i18n.Localizer
	log *slog.Logger
	// actor and account are set by authenticate, from a session or an API
	// token.
	actor   *identity.Actor
	account *identity.Account
	// token is the session token (UI sessions only), kept for logout.
	token string
}

func info(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(keyRequest).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// actorID is the actor's account ID, or "" for nobody.
func actorID(a *identity.Actor) string {
	if a == nil {
		return ""
	}
	return a.AccountID
}

// actorOf returns the authenticated actor, or nil.
func actorOf(ctx context.Context) *identity.Actor { return info(ctx).actor }

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter records the status for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe assigns the request ID, picks the language, recovers panics, and
// records one log line and the metrics of every request. The log holds the
// route pattern, never the query string or body, so no personal data.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{id: r.Header.Get("X-Request-Id"), loc: s.language(r), log: s.log}
		if !validRequestID(ri.id) {
			ri.id = newRequestID()
		}
		w.Header().Set("X-Request-Id", ri.id)
		r = r.WithContext(context.WithValue(r.Context(), keyRequest, ri))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "request_id", ri.id, "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, apperr.Internalf("panic: %v", p))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			s.metrics.observe(metricMethod(r.Method), route, sw.status, elapsed)
			level := slog.LevelInfo
			if sw.status >= 500 && !clientGone(r.Context()) {
				level = slog.LevelError
			}
			s.log.LogAttrs(r.Context(), level, "request",
				slog.String("request_id", ri.id),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", sw.status),
				slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", elapsed),
				// The actor by account ID, never by name.
				slog.String("actor", actorID(ri.actor)),
				slog.Bool("client_gone", clientGone(r.Context())),
			)
		}()
		next.ServeHTTP(sw, r)
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// language: the UI speaks zh-CN unless the lang cookie says otherwise; the
// API follows Accept-Language.
func (s *Server) language(r *http.Request) *i18n.Localizer {
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/open311/") {
		return s.i18n.Match(r.Header.Get("Accept-Language"))
	}
	if c, err := r.Cookie(langCookie); err == nil {
		return s.i18n.For(c.Value)
	}
	return s.i18n.For(i18n.ZH)
}

// contentSecurityPolicy allows the site itself and, when a map tile server
// is configured, images from that server's origin.
func contentSecurityPolicy(mapTiles string) string {
	img := "'self' data: blob:"
	// Tile templates may have a {s} subdomain placeholder: allow the
	// host's subdomains then.
	const sub = "subdomain-placeholder"
	if u, err := url.Parse(strings.ReplaceAll(mapTiles, "{s}", sub)); err == nil && u.Scheme != "" && u.Host != "" {
		img += " " + u.Scheme + "://" + strings.ReplaceAll(u.Host, sub, "*")
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img + "; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// securityHeaders sets a strict policy on every response: no inline script
// or style, no framing, no referrer leaks, no sniffing.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", s.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
		if r.TLS != nil || s.cfg.HSTS {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody caps every request body and refuses JSON bodies that are not
// valid UTF-8 (encoding/json would silently replace the bad bytes).
// bodyLimit is the body limit of a request: the larger upload limit for the
// evidence API and the forms that take photos; an Excel import's file limit
// (plus room for the form) for the personnel imports, whose bodies are read
// whole; --max-body-bytes for everything else.
func (s *Server) bodyLimit(r *http.Request) int64 {
	if r.Method != http.MethodPost {
		return s.cfg.MaxBodyBytes
	}
	switch r.URL.Path {
	case "/api/v1/evidence", "/report", "/cases/new":
		return s.cfg.MaxUploadBytes
	case "/personnel/import", "/api/v1/personnel/import":
		return s.importLimit()
	case "/api/v1/grid/areas", "/api/v1/grid/cells", "/map/import/cells", "/map/import/areas":
		return s.areaImportLimit()
	}
	if (strings.HasPrefix(r.URL.Path, "/cases/") && strings.HasSuffix(r.URL.Path, "/move")) ||
		(strings.HasPrefix(r.URL.Path, "/personnel/people/") && strings.HasSuffix(r.URL.Path, "/photo")) {
		return s.cfg.MaxUploadBytes
	}
	return s.cfg.MaxBodyBytes
}

// areaImportLimit bounds an import of responsibility areas or unit grids: a
// GeoJSON file of a city's areas, thousands of shop fronts under 门前三包
// among them, or of its grid cells, is read whole and decoded in memory.
func (s *Server) areaImportLimit() int64 {
	return max(s.cfg.MaxBodyBytes, 32<<20)
}

// importLimit bounds a personnel Excel import: the sheet reader's file limit
// and room for the form around it.
func (s *Server) importLimit() int64 {
	return max(s.cfg.MaxBodyBytes, sheet.DefaultLimits().MaxFileBytes+1<<20)
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		limit := s.bodyLimit(r)
		if r.ContentLength > limit {
			s.writeError(w, r, errTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if isJSON(r.Header.Get("Content-Type")) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					s.writeError(w, r, errTooLarge)
					return
				}
				s.writeError(w, r, apperr.Wrap(apperr.Invalid, "error.body_unreadable", err))
				return
			}
			if !utf8.Valid(body) {
				s.writeError(w, r, errBadUTF8)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

var (
	errTooLarge    = apperr.New(apperr.TooLarge, "")
	errBadUTF8     = apperr.New(apperr.Invalid, "error.invalid_utf8")
	errCrossOrigin = apperr.New(apperr.Forbidden, "error.cross_origin")
)

// authenticate resolves the session cookie or the bearer token to an actor.
// A bad credential is not an error here: the request goes on anonymous and
// the handler or service refuses what needs a signed-in actor.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r.Context())
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
				actor, acc, err := s.identity.ActorFromAPIToken(ctx, strings.TrimSpace(tok))
				if err != nil && !apperr.Is(err, apperr.Unauthenticated) {
					s.writeError(w, r, err)
					return
				}
				ri.actor, ri.account = actor, acc
			}
		} else if c, err := r.Cookie(sessionCookie); err == nil {
			actor, acc, err := s.identity.ActorFromSession(ctx, c.Value)
			if err != nil && !apperr.Is(err, apperr.Unauthenticated) {
				s.writeError(w, r, err)
				return
			}
			if err != nil {
				clearCookie(w, sessionCookie, s.cfg.InsecureCookies)
			}
			ri.actor, ri.account, ri.token = actor, acc, c.Value
		}
		next.ServeHTTP(w, r)
	})
}

// cacheStatic lets browsers keep embedded assets for a day.
func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		next.ServeHTTP(w, r)
	})
}

// metricMethod bounds the method label: clients can send any token.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}
