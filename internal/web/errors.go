package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"chengguan/internal/apperr"
	"chengguan/internal/i18n"
)

// errorBody is the one error shape of DESIGN §6:
// {"error":{"code":"…","message":"…"}}, with per-field messages for invalid
// input and the request ID for support.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string       `json:"code" doc:"Stable machine code, e.g. invalid, forbidden, not_found"`
	Message   string       `json:"message" doc:"Human message in the request's language"`
	Fields    []fieldError `json:"fields,omitempty" doc:"Invalid input fields"`
	RequestID string       `json:"request_id,omitempty"`
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// render turns any error into its status and localized body. Internal
// details never reach the body.
func render(loc *i18n.Localizer, requestID string, err error) (int, errorBody) {
	e := apperr.As(err)
	d := errorDetail{Code: string(e.Code), RequestID: requestID}
	if e.Code == apperr.Internal {
		d.Message = loc.T("error.internal", nil)
	} else {
		d.Message = loc.T(e.MessageKey(), translateArgs(loc, e.Args))
	}
	for _, f := range e.Fields {
		d.Fields = append(d.Fields, fieldError{Field: f.Field, Message: loc.T(f.Key, f.Args)})
	}
	return apperr.Status(e.Code), errorBody{Error: d}
}

// translateArgs renders argument values that are themselves translatable
// (a list of roles in a refusal) in the message's language.
func translateArgs(loc *i18n.Localizer, args map[string]any) map[string]any {
	if len(args) == 0 {
		return args
	}
	out := make(map[string]any, len(args))
	for k, v := range args {
		if labels, ok := v.(interface{ LabelKeys() []string }); ok {
			out[k] = loc.List(labels.LabelKeys())
			continue
		}
		out[k] = v
	}
	return out
}

// logError logs server-side failures once, with their cause.
func logError(log *slog.Logger, r *http.Request, requestID string, err error) {
	e := apperr.As(err)
	if apperr.Status(e.Code) < 500 || clientGone(r.Context()) {
		return
	}
	log.Error("request failed", "request_id", requestID, "route", r.Pattern, "code", e.Code, "err", err)
}

// writeError answers with the error: an HTML page for a browser on a UI
// route, the JSON shape everywhere else.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ri := info(r.Context())
	loc := ri.loc
	if loc == nil {
		loc = s.i18n.For(i18n.ZH)
	}
	logError(s.log, r, ri.id, err)
	setRetryAfter(w, err)
	status, body := render(loc, ri.id, err)
	if wantsHTML(r) {
		s.renderErrorPage(w, r, status, body)
		return
	}
	writeJSON(w, status, body)
}

func wantsHTML(r *http.Request) bool {
	p := r.URL.Path
	if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/open311/") || p == "/healthz" || p == "/readyz" || p == "/metrics" {
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// clientGone reports a request whose client closed the connection: what
// failed for that reason is not a server error, and nobody reads the answer.
func clientGone(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// setRetryAfter tells a rate-limited client when to come back.
func setRetryAfter(w http.ResponseWriter, err error) {
	e := apperr.As(err)
	if e.Code != apperr.RateLimited {
		return
	}
	if secs, ok := e.Args["Seconds"].(int); ok && secs > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
}
