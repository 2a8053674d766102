package open311

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/i18n"
)

// Options configures the protocol layer.
type Options struct {
	// Prefix is the path the handler is mounted at, e.g. "/open311/v2"; the
	// handler strips it itself. Empty: the caller strips it
	// (http.StripPrefix), so the handler sees "/services.json".
	Prefix string
	// BaseURL is the endpoint's absolute URL for discovery, e.g.
	// "https://cg.example.gov.cn/open311/v2".
	BaseURL string
	// Changeset of discovery and of the service list (a sortable timestamp);
	// change it when services change so that clients refresh.
	Changeset    string
	Contact      string // discovery contact
	KeyService   string // discovery key_service: how to get an api_key
	EndpointType string // "production" (default) or "test"
	// Jurisdictions are the accepted jurisdiction_id values. None: the
	// parameter is ignored. One: optional, but another value is 404.
	// Several: required (400 when missing), an unknown one is 404.
	Jurisdictions []string
	// ExtendedStatuses shows extended statuses in servicerequestupdates to
	// every client (FixMyStreet's "extended statuses" switch); without it
	// only extensions=true shows them.
	ExtendedStatuses bool
	MaxBodyBytes     int64          // POST body limit; default 64 KiB
	Zone             *time.Location // for bare dates; default UTC+8
	Now              func() time.Time
	I18n             *i18n.Bundle // default: i18n.New()
	Logger           *slog.Logger // general errors are logged here; default slog.Default()
}

// format is the response format chosen by the resource suffix.
type format int

const (
	formatXML format = iota
	formatJSON
)

type handler struct {
	b    Backend
	opts Options
}

// Handler serves Open311 GeoReport v2 and the mySociety extension:
//
//	GET       discovery.{xml,json}
//	GET       services.{fmt}, services/{service_code}.{fmt}
//	GET,POST  requests.{fmt}
//	GET       requests/{service_request_id}.{fmt}, tokens/{token}.{fmt}
//	GET,POST  servicerequestupdates.{fmt}
//
// An unknown path or format suffix is 404, a wrong method 405 with Allow;
// both with a spec error list (XML unless the suffix is .json).
func Handler(b Backend, opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = defaultBodyLimit
	}
	if opts.Zone == nil {
		opts.Zone = time.FixedZone("UTC+8", 8*3600)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.EndpointType == "" {
		opts.EndpointType = "production"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.I18n == nil {
		bundle, err := i18n.New()
		if err != nil {
			panic("open311: the embedded locales do not load: " + err.Error())
		}
		opts.I18n = bundle
	}
	opts.Prefix = strings.TrimSuffix(opts.Prefix, "/")
	return &handler{b: b, opts: opts}
}

// call is one request being answered.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	f     format
	loc   *i18n.Localizer
	scope Scope
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{w: w, r: r, loc: h.opts.I18n.Match(r.Header.Get("Accept-Language"))}
	c.scope.Lang = c.loc.Lang
	p, ok := strings.CutPrefix(r.URL.Path, h.opts.Prefix)
	if !ok {
		h.fail(c, problem{status: 404, key: "open311.err.no_resource"})
		return
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	last := segs[len(segs)-1]
	dot := strings.LastIndexByte(last, '.')
	if dot < 0 {
		h.fail(c, problem{status: 404, key: "open311.err.no_resource"})
		return
	}
	switch last[dot+1:] {
	case "xml":
		c.f = formatXML
	case "json":
		c.f = formatJSON
	default:
		h.fail(c, problem{status: 404, key: "open311.err.format"})
		return
	}
	segs[len(segs)-1] = last[:dot]
	for _, s := range segs {
		if s == "" {
			h.fail(c, problem{status: 404, key: "open311.err.no_resource"})
			return
		}
	}
	var get, post func(*call)
	switch {
	case len(segs) == 1 && segs[0] == "discovery":
		get = h.discovery
	case len(segs) == 1 && segs[0] == "services":
		get = h.services
	case len(segs) == 2 && segs[0] == "services":
		get = func(c *call) { h.definition(c, segs[1]) }
	case len(segs) == 1 && segs[0] == "requests":
		get, post = h.listRequests, h.createRequest
	case len(segs) == 2 && segs[0] == "requests":
		get = func(c *call) { h.oneRequest(c, segs[1]) }
	case len(segs) == 2 && segs[0] == "tokens":
		get = func(c *call) { h.token(c, segs[1]) }
	case len(segs) == 1 && segs[0] == "servicerequestupdates":
		get, post = h.listUpdates, h.createUpdate
	default:
		h.fail(c, problem{status: 404, key: "open311.err.no_resource"})
		return
	}
	switch {
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && get != nil:
		get(c)
	case r.Method == http.MethodPost && post != nil:
		post(c)
	default:
		allow := "GET, HEAD"
		if post != nil {
			allow += ", POST"
		}
		w.Header().Set("Allow", allow)
		h.fail(c, problem{status: http.StatusMethodNotAllowed, key: "open311.err.method"})
	}
}

// fail answers with an error list; the first problem's status is the HTTP
// status.
func (h *handler) fail(c *call, probs ...problem) {
	list := wireErrors{}
	for _, p := range probs {
		desc := c.loc.T(p.key, p.args)
		if p.field != "" {
			// The field may echo a client's parameter name: keep it short and valid.
			field := strings.ToValidUTF8(p.field, "?")
			if r := []rune(field); len(r) > 64 {
				field = string(r[:64]) + "…"
			}
			desc = field + ": " + desc
		}
		list.Errors = append(list.Errors, wireError{Code: p.status, Description: desc})
	}
	write(c.w, c.f, probs[0].status, list, list.Errors)
}

// failErr answers with a Backend error mapped to the spec's statuses.
func (h *handler) failErr(c *call, err error) {
	h.fail(c, h.problemsOf(c, err)...)
}

func (h *handler) problemsOf(c *call, err error) []problem {
	var inv *InvalidError
	var ae *apperr.Error
	switch {
	case errors.Is(err, ErrNotFound):
		return []problem{{status: 404, key: "open311.err.not_found"}}
	case errors.Is(err, ErrForbidden):
		return []problem{{status: 403, key: "open311.err.forbidden"}}
	case errors.As(err, &inv) && len(inv.Problems) > 0:
		out := make([]problem, 0, len(inv.Problems))
		for _, p := range inv.Problems {
			out = append(out, problem{status: 400, field: p.Field, key: p.Key, args: p.Args})
		}
		return out
	case errors.As(err, &ae) && ae.Code == apperr.NotFound:
		return []problem{{status: 404, key: ae.MessageKey(), args: ae.Args}}
	case errors.As(err, &ae) && ae.Code == apperr.Forbidden:
		return []problem{{status: 403, key: ae.MessageKey(), args: ae.Args}}
	case errors.As(err, &ae) && ae.Code == apperr.Invalid:
		if len(ae.Fields) == 0 {
			return []problem{{status: 400, key: ae.MessageKey(), args: ae.Args}}
		}
		out := make([]problem, 0, len(ae.Fields))
		for _, f := range ae.Fields {
			out = append(out, problem{status: 400, field: f.Field, key: f.Key, args: f.Args})
		}
		return out
	case errors.As(err, &ae) && ae.Code != apperr.Internal:
		return []problem{{status: 400, key: ae.MessageKey(), args: ae.Args}}
	}
	// The spec has no 5xx: a failure behind the protocol is a 400 "general
	// error". Its cause goes to the log only.
	if !errors.Is(err, context.Canceled) {
		h.opts.Logger.Error("open311 backend failed", "method", c.r.Method, "path", c.r.URL.Path, "err", err)
	}
	return []problem{{status: 400, key: "open311.err.general"}}
}

// jurisdiction resolves jurisdiction_id per Options.Jurisdictions.
func (h *handler) jurisdiction(c *call, v string) bool {
	js := h.opts.Jurisdictions
	switch {
	case len(js) == 0:
		return true
	case v == "" && len(js) == 1:
		c.scope.Jurisdiction = js[0]
		return true
	case v == "":
		h.fail(c, bad("jurisdiction_id", "open311.err.required"))
		return false
	}
	for _, j := range js {
		if j == v {
			c.scope.Jurisdiction = j
			return true
		}
	}
	h.fail(c, problem{status: 404, field: "jurisdiction_id", key: "open311.err.jurisdiction"})
	return false
}

func (h *handler) discovery(c *call) {
	formats := []string{"text/xml", "application/json"}
	d := wireDiscovery{
		Changeset: h.opts.Changeset, Contact: h.opts.Contact, KeyService: h.opts.KeyService,
		Endpoints: []wireEndpoint{{
			Specification: "http://wiki.open311.org/GeoReport_v2", URL: h.opts.BaseURL,
			Changeset: h.opts.Changeset, Type: h.opts.EndpointType, Formats: formats,
		}},
	}
	write(c.w, c.f, http.StatusOK, d, d)
}

func (h *handler) services(c *call) {
	if !h.jurisdiction(c, c.r.URL.Query().Get("jurisdiction_id")) {
		return
	}
	list, err := h.b.Services(c.r.Context(), c.scope)
	if err != nil {
		h.failErr(c, err)
		return
	}
	out := wireServices{Services: make([]wireService, 0, len(list))}
	for _, s := range list {
		out.Services = append(out.Services, toWireService(s))
	}
	write(c.w, c.f, http.StatusOK, out, out.Services)
}

func (h *handler) definition(c *call, code string) {
	if !h.jurisdiction(c, c.r.URL.Query().Get("jurisdiction_id")) {
		return
	}
	d, err := h.b.ServiceDefinition(c.r.Context(), c.scope, code)
	if err != nil {
		h.failErr(c, err)
		return
	}
	out := toWireDefinition(d)
	write(c.w, c.f, http.StatusOK, out, out)
}

// readForm reads a POST body (size-limited, form-encoded, strict) and merges
// the URL's query parameters, refusing a parameter given in both.
func (h *handler) readForm(c *call) (url.Values, bool) {
	if !isFormType(c.r.Header.Get("Content-Type")) {
		h.fail(c, bad("Content-Type", "open311.err.content_type"))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(c, badArgs("", "open311.err.too_large", map[string]any{"Max": h.opts.MaxBodyBytes}))
		} else {
			h.fail(c, bad("", "open311.err.malformed_form"))
		}
		return nil, false
	}
	form, probs := parseForm(body)
	if len(probs) > 0 {
		h.fail(c, probs...)
		return nil, false
	}
	query, err := url.ParseQuery(c.r.URL.RawQuery)
	if err != nil {
		h.fail(c, bad("", "open311.err.malformed_form"))
		return nil, false
	}
	for k, vs := range query {
		if _, dup := form[k]; dup || (len(vs) > 1 && !strings.HasSuffix(k, "[]")) {
			h.fail(c, bad(k, "open311.err.repeated"))
			return nil, false
		}
		form[k] = vs
	}
	return form, true
}

// authenticate checks api_key before anything else is looked at, so a
// client without a key learns nothing from validation answers.
func (h *handler) authenticate(c *call, form url.Values) (Client, bool) {
	key := form.Get("api_key")
	if key == "" {
		h.fail(c, problem{status: 403, field: "api_key", key: "open311.err.api_key_missing"})
		return Client{}, false
	}
	cl, err := h.b.Authenticate(c.r.Context(), key)
	if err != nil {
		var ae *apperr.Error
		if errors.Is(err, ErrForbidden) || errors.Is(err, ErrNotFound) ||
			(errors.As(err, &ae) && (ae.Code == apperr.Forbidden || ae.Code == apperr.NotFound || ae.Code == apperr.Invalid)) {
			h.fail(c, problem{status: 403, field: "api_key", key: "open311.err.api_key_invalid"})
			return Client{}, false
		}
		h.failErr(c, err)
		return Client{}, false
	}
	return cl, true
}

func (h *handler) createRequest(c *call) {
	form, ok := h.readForm(c)
	if !ok {
		return
	}
	client, ok := h.authenticate(c, form)
	if !ok || !h.jurisdiction(c, form.Get("jurisdiction_id")) {
		return
	}
	in, raw, probs := decodeRequest(form)
	in.Client = client
	if in.ServiceCode != "" && len(checkLine("service_code", in.ServiceCode, maxShort)) == 0 {
		def, err := h.b.ServiceDefinition(c.r.Context(), c.scope, in.ServiceCode)
		switch {
		case err == nil:
			var p []problem
			in.Attributes, p = checkAttributes(def, raw, h.opts.Zone)
			probs = append(probs, p...)
		case errors.Is(err, ErrNotFound) || apperr.Is(err, apperr.NotFound):
			if len(probs) == 0 {
				h.fail(c, problem{status: 404, field: "service_code", key: "open311.err.service_not_found"})
				return
			}
			probs = append(probs, bad("service_code", "open311.err.service_not_found"))
		default:
			h.failErr(c, err)
			return
		}
	}
	if len(probs) > 0 {
		h.fail(c, probs...)
		return
	}
	created, err := h.b.CreateRequest(c.r.Context(), c.scope, in)
	if err != nil {
		h.failErr(c, err)
		return
	}
	out := wireCreatedList{Requests: []wireCreated{{
		ServiceRequestID: created.ServiceRequestID, Token: created.Token,
		ServiceNotice: maybe(created.ServiceNotice), AccountID: maybe(created.AccountID),
	}}}
	write(c.w, c.f, http.StatusOK, out, out.Requests)
}

func (h *handler) token(c *call, token string) {
	if !h.jurisdiction(c, c.r.URL.Query().Get("jurisdiction_id")) {
		return
	}
	t, err := h.b.Token(c.r.Context(), c.scope, token)
	if err != nil {
		h.failErr(c, err)
		return
	}
	out := wireTokenList{Tokens: []wireToken{{ServiceRequestID: maybe(t.ServiceRequestID), Token: t.Token}}}
	write(c.w, c.f, http.StatusOK, out, out.Tokens)
}

func (h *handler) listRequests(c *call) {
	q := c.r.URL.Query()
	if !h.jurisdiction(c, q.Get("jurisdiction_id")) {
		return
	}
	query, ext, probs := decodeQuery(q, h.opts.Now(), h.opts.Zone)
	if len(probs) > 0 {
		h.fail(c, probs...)
		return
	}
	list, err := h.b.Requests(c.r.Context(), c.scope, query)
	if err != nil {
		h.failErr(c, err)
		return
	}
	h.writeRequests(c, list, ext)
}

func (h *handler) oneRequest(c *call, id string) {
	q := c.r.URL.Query()
	if !h.jurisdiction(c, q.Get("jurisdiction_id")) {
		return
	}
	ext, probs := boolParam(q, "extensions")
	if len(probs) > 0 {
		h.fail(c, probs...)
		return
	}
	r, err := h.b.Request(c.r.Context(), c.scope, id)
	if err != nil {
		h.failErr(c, err)
		return
	}
	h.writeRequests(c, []Request{r}, ext)
}

func (h *handler) writeRequests(c *call, list []Request, ext bool) {
	out := wireRequestList{Requests: make([]wireRequest, 0, len(list))}
	for _, r := range list {
		out.Requests = append(out.Requests, toWireRequest(r, ext))
	}
	write(c.w, c.f, http.StatusOK, out, wireRequests(out.Requests))
}

func (h *handler) listUpdates(c *call) {
	q := c.r.URL.Query()
	if !h.jurisdiction(c, q.Get("jurisdiction_id")) {
		return
	}
	ext, probs := boolParam(q, "extensions")
	start, end, p := window(q, h.opts.Now(), h.opts.Zone)
	probs = append(probs, p...)
	limit, offset, p := page(q)
	probs = append(probs, p...)
	if len(probs) > 0 {
		h.fail(c, probs...)
		return
	}
	list, err := h.b.Updates(c.r.Context(), c.scope, UpdateQuery{Start: start, End: end, Limit: limit, Offset: offset})
	if err != nil {
		h.failErr(c, err)
		return
	}
	h.writeUpdates(c, list, ext || h.opts.ExtendedStatuses)
}

func (h *handler) createUpdate(c *call) {
	form, ok := h.readForm(c)
	if !ok {
		return
	}
	client, ok := h.authenticate(c, form)
	if !ok || !h.jurisdiction(c, form.Get("jurisdiction_id")) {
		return
	}
	in, probs := decodeUpdate(form, h.opts.Zone)
	if len(probs) > 0 {
		h.fail(c, probs...)
		return
	}
	in.Client = client
	u, err := h.b.CreateUpdate(c.r.Context(), c.scope, in)
	if err != nil {
		h.failErr(c, err)
		return
	}
	h.writeUpdates(c, []Update{u}, h.opts.ExtendedStatuses)
}

func (h *handler) writeUpdates(c *call, list []Update, extended bool) {
	out := wireUpdateList{Updates: make([]wireUpdate, 0, len(list))}
	for _, u := range list {
		out.Updates = append(out.Updates, toWireUpdate(u, extended))
	}
	write(c.w, c.f, http.StatusOK, out, out.Updates)
}
