package open311

import (
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of decoded input. The spec fixes only the description's 4,000
// characters; the others keep one request small.
const (
	maxDescription   = 4000 // characters, the spec's limit
	maxShort         = 200  // codes, ids, names
	maxAddress       = 500
	maxEmail         = 254
	maxPhone         = 40
	maxURL           = 2000
	maxAttributes    = 100 // attribute codes in one request
	maxListValues    = 100 // values of one multivaluelist
	maxStringAnswer  = 500
	maxIDsPerQuery   = 1000
	defaultPageSize  = 1000 // the spec's "first 1,000 requests"
	maxWindow        = 90 * 24 * time.Hour
	defaultBodyLimit = 64 << 10
)

// problem is one entry of an error list before translation: the HTTP
// status, the parameter it concerns (may be empty) and a translation key.
type problem struct {
	status int
	field  string
	key    string
	args   map[string]any
}

func bad(field, key string) problem { return problem{status: 400, field: field, key: key} }

func badArgs(field, key string, args map[string]any) problem {
	return problem{status: 400, field: field, key: key, args: args}
}

// parseForm decodes an application/x-www-form-urlencoded body strictly: valid
// escapes, valid UTF-8 in names and values, and no parameter twice unless it
// is a list attribute (attribute[code][]).
func parseForm(body []byte) (url.Values, []problem) {
	if !utf8.Valid(body) {
		return nil, []problem{bad("", "open311.err.not_utf8")}
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, []problem{bad("", "open311.err.malformed_form")}
	}
	var out []problem
	for _, k := range sortedKeys(vals) {
		if !utf8.ValidString(k) {
			return nil, []problem{bad("", "open311.err.not_utf8")}
		}
		for _, v := range vals[k] {
			if !utf8.ValidString(v) {
				return nil, []problem{bad(k, "open311.err.not_utf8")}
			}
		}
		if len(vals[k]) > 1 && !strings.HasSuffix(k, "[]") {
			out = append(out, bad(k, "open311.err.repeated"))
		}
	}
	return vals, out
}

func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// requestFields are the POST requests parameters besides attribute[…].
var requestFields = map[string]bool{
	"jurisdiction_id": true, "api_key": true, "service_code": true, "lat": true, "long": true,
	"address_string": true, "address_id": true, "email": true, "device_id": true, "account_id": true,
	"first_name": true, "last_name": true, "phone": true, "description": true, "media_url": true,
}

// attrKey matches attribute[CODE] and attribute[CODE][].
var attrKey = regexp.MustCompile(`^attribute\[([^\[\]]+)\](\[\])?$`)

// decodeRequest reads the fields of a POST requests form, without the
// attributes' check against the definition (checkAttributes). Empty values
// count as absent, as the spec says. It returns the request, the raw
// attribute values by code, and every problem found.
func decodeRequest(form url.Values) (NewRequest, map[string][]string, []problem) {
	var in NewRequest
	var probs []problem
	attrs := map[string][]string{}
	for _, k := range sortedKeys(form) {
		if requestFields[k] {
			continue
		}
		m := attrKey.FindStringSubmatch(k)
		if m == nil {
			probs = append(probs, bad(k, "open311.err.unknown_parameter"))
			continue
		}
		for _, v := range form[k] {
			if v != "" {
				attrs[m[1]] = append(attrs[m[1]], v)
			}
		}
	}
	if len(attrs) > maxAttributes {
		probs = append(probs, badArgs("attribute", "open311.err.too_many", map[string]any{"Max": maxAttributes}))
	}
	get := func(k string) string { return form.Get(k) }

	in.ServiceCode = get("service_code")
	switch {
	case in.ServiceCode == "":
		probs = append(probs, bad("service_code", "open311.err.required"))
	default:
		probs = append(probs, checkLine("service_code", in.ServiceCode, maxShort)...)
	}

	lat, long := get("lat"), get("long")
	switch {
	case lat != "" && long != "":
		la, okLat := parseDecimal(lat)
		lo, okLong := parseDecimal(long)
		if !okLat || la < -90 || la > 90 {
			probs = append(probs, bad("lat", "open311.err.lat_range"))
		}
		if !okLong || lo < -180 || lo > 180 {
			probs = append(probs, bad("long", "open311.err.long_range"))
		}
		in.Location.HasPoint, in.Location.Lat, in.Location.Long = true, la, lo
	case lat != "":
		probs = append(probs, bad("long", "open311.err.lat_long_pair"))
	case long != "":
		probs = append(probs, bad("lat", "open311.err.lat_long_pair"))
	}
	in.Location.AddressString = get("address_string")
	probs = append(probs, checkLine("address_string", in.Location.AddressString, maxAddress)...)
	in.Location.AddressID = get("address_id")
	probs = append(probs, checkLine("address_id", in.Location.AddressID, maxShort)...)
	if lat == "" && long == "" && in.Location.AddressString == "" && in.Location.AddressID == "" {
		probs = append(probs, bad("lat", "open311.err.location_required"))
	}

	in.Description = get("description")
	probs = append(probs, checkText("description", in.Description, maxDescription)...)
	if in.MediaURL = get("media_url"); in.MediaURL != "" && !validURL(in.MediaURL) {
		probs = append(probs, bad("media_url", "open311.err.url"))
	}
	in.Contact = Contact{FirstName: get("first_name"), LastName: get("last_name"), Email: get("email"), Phone: get("phone")}
	probs = append(probs, checkLine("first_name", in.Contact.FirstName, maxShort)...)
	probs = append(probs, checkLine("last_name", in.Contact.LastName, maxShort)...)
	if in.Contact.Email != "" && !validEmail(in.Contact.Email) {
		probs = append(probs, bad("email", "open311.err.email"))
	}
	if in.Contact.Phone != "" && !validPhone(in.Contact.Phone) {
		probs = append(probs, bad("phone", "open311.err.phone"))
	}
	in.DeviceID, in.AccountID = get("device_id"), get("account_id")
	probs = append(probs, checkLine("device_id", in.DeviceID, maxShort)...)
	probs = append(probs, checkLine("account_id", in.AccountID, maxShort)...)
	return in, attrs, probs
}

// checkAttributes checks raw attribute values against a service definition
// and returns them normalized.
func checkAttributes(def ServiceDefinition, raw map[string][]string, zone *time.Location) (map[string][]string, []problem) {
	var probs []problem
	byCode := map[string]Attribute{}
	for _, a := range def.Attributes {
		byCode[a.Code] = a
	}
	out := map[string][]string{}
	for _, code := range sortedKeys(raw) {
		field := "attribute[" + code + "]"
		a, ok := byCode[code]
		if !ok {
			probs = append(probs, bad(field, "open311.err.attribute_unknown"))
			continue
		}
		if !a.Variable {
			probs = append(probs, bad(field, "open311.err.attribute_not_variable"))
			continue
		}
		vals := raw[code]
		if a.Datatype != MultiValueList && len(vals) > 1 {
			probs = append(probs, bad(field, "open311.err.attribute_single"))
			continue
		}
		if len(vals) > maxListValues {
			probs = append(probs, badArgs(field, "open311.err.too_many", map[string]any{"Max": maxListValues}))
			continue
		}
		norm, p := checkAnswer(field, a, vals, zone)
		if len(p) > 0 {
			probs = append(probs, p...)
			continue
		}
		out[code] = norm
	}
	for _, a := range def.Attributes {
		if a.Variable && a.Required && len(raw[a.Code]) == 0 {
			probs = append(probs, bad("attribute["+a.Code+"]", "open311.err.required"))
		}
	}
	return out, probs
}

func checkAnswer(field string, a Attribute, vals []string, zone *time.Location) ([]string, []problem) {
	var probs []problem
	out := make([]string, 0, len(vals))
	seen := map[string]bool{}
	for _, v := range vals {
		switch a.Datatype {
		case String:
			probs = append(probs, checkLine(field, v, maxStringAnswer)...)
		case Text:
			probs = append(probs, checkText(field, v, maxDescription)...)
		case Number:
			if _, ok := parseNumber(v); !ok {
				probs = append(probs, bad(field, "open311.err.number"))
			}
		case Datetime:
			t, ok := parseTime(v, zone)
			if !ok {
				probs = append(probs, bad(field, "open311.err.datetime"))
			}
			v = t.Format(time.RFC3339)
		case SingleValueList, MultiValueList:
			if !hasKey(a.Values, v) {
				probs = append(probs, bad(field, "open311.err.attribute_value"))
			}
			if seen[v] {
				probs = append(probs, bad(field, "open311.err.repeated"))
			}
			seen[v] = true
		default:
			probs = append(probs, bad(field, "open311.err.attribute_unknown"))
		}
		out = append(out, v)
	}
	return out, probs
}

func hasKey(vals []AttributeValue, k string) bool {
	for _, v := range vals {
		if v.Key == k {
			return true
		}
	}
	return false
}

// checkLine: one line of at most max characters, no control characters.
func checkLine(field, v string, max int) []problem {
	if utf8.RuneCountInString(v) > max {
		return []problem{badArgs(field, "open311.err.too_long", map[string]any{"Max": max})}
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return []problem{bad(field, "open311.err.control")}
		}
	}
	return nil
}

// htmlTag finds what looks like markup: the spec's description is plain text.
var htmlTag = regexp.MustCompile(`<[A-Za-z/!?]`)

// checkText: multi-line plain text, line breaks and tabs allowed, no HTML.
func checkText(field, v string, max int) []problem {
	if utf8.RuneCountInString(v) > max {
		return []problem{badArgs(field, "open311.err.too_long", map[string]any{"Max": max})}
	}
	for _, r := range v {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return []problem{bad(field, "open311.err.control")}
		}
	}
	if htmlTag.MatchString(v) {
		return []problem{bad(field, "open311.err.html")}
	}
	return nil
}

// decimal is a plain decimal degree: no exponent, hex, Inf or NaN.
var decimal = regexp.MustCompile(`^[+-]?[0-9]{1,3}(\.[0-9]{1,15})?$`)

func parseDecimal(s string) (float64, bool) {
	if !decimal.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

var number = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

func parseNumber(s string) (float64, bool) {
	if len(s) > 64 || !number.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

func validURL(s string) bool {
	if len(s) > maxURL {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

func validEmail(s string) bool {
	if len(s) > maxEmail {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

func validPhone(s string) bool {
	if len(s) > maxPhone {
		return false
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' || r == '-' || r == ' ' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 3
}

// timeLayouts are the W3C-note datetimes with a zone designator (Z or
// ±hh:mm), minutes or seconds, optional fractions (time.Parse accepts a
// fraction after seconds).
var timeLayouts = []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04Z07:00"}

// parseTime reads a W3C datetime with a zone. A bare date (YYYY-MM-DD, also
// a W3C form) is midnight in zone, the jurisdiction's time zone.
func parseTime(s string, zone *time.Location) (time.Time, bool) {
	if len(s) > 40 {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	if len(s) == 10 {
		if t, err := time.ParseInLocation("2006-01-02", s, zone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// splitList splits a comma-separated parameter, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// window resolves start_date/end_date: both optional, the span at most 90
// days; the default is the 90 days before now, an open end is start + 90
// days, an open start is end − 90 days.
func window(q url.Values, now time.Time, zone *time.Location) (time.Time, time.Time, []problem) {
	var probs []problem
	var start, end time.Time
	if v := q.Get("start_date"); v != "" {
		t, ok := parseTime(v, zone)
		if !ok {
			probs = append(probs, bad("start_date", "open311.err.datetime"))
		}
		start = t
	}
	if v := q.Get("end_date"); v != "" {
		t, ok := parseTime(v, zone)
		if !ok {
			probs = append(probs, bad("end_date", "open311.err.datetime"))
		}
		end = t
	}
	if len(probs) > 0 {
		return start, end, probs
	}
	switch {
	case start.IsZero() && end.IsZero():
		end = now
		start = end.Add(-maxWindow)
	case end.IsZero():
		end = start.Add(maxWindow)
	case start.IsZero():
		start = end.Add(-maxWindow)
	}
	if end.Before(start) {
		return start, end, []problem{bad("end_date", "open311.err.end_before_start")}
	}
	if end.Sub(start) > maxWindow {
		return start, end, []problem{badArgs("end_date", "open311.err.window", map[string]any{"Days": 90})}
	}
	return start, end, nil
}

// page reads the pagination extension (page from 1, page_size 1…1000,
// default 1000).
func page(q url.Values) (limit, offset int, probs []problem) {
	limit = defaultPageSize
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > defaultPageSize {
			probs = append(probs, badArgs("page_size", "open311.err.page_size", map[string]any{"Max": defaultPageSize}))
		} else {
			limit = n
		}
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			probs = append(probs, bad("page", "open311.err.page"))
		} else {
			offset = (n - 1) * limit
		}
	}
	return limit, offset, probs
}

// decodeQuery reads GET requests. service_request_id overrides every other
// parameter, which are then not even read.
func decodeQuery(q url.Values, now time.Time, zone *time.Location) (Query, bool, []problem) {
	var probs []problem
	ext, p := boolParam(q, "extensions")
	probs = append(probs, p...)
	if ids := splitList(q.Get("service_request_id")); len(ids) > 0 {
		if len(ids) > maxIDsPerQuery {
			probs = append(probs, badArgs("service_request_id", "open311.err.too_many", map[string]any{"Max": maxIDsPerQuery}))
		}
		return Query{IDs: ids, Limit: len(ids)}, ext, probs
	}
	var out Query
	out.ServiceCodes = splitList(q.Get("service_code"))
	if len(out.ServiceCodes) > maxIDsPerQuery {
		probs = append(probs, badArgs("service_code", "open311.err.too_many", map[string]any{"Max": maxIDsPerQuery}))
	}
	start, end, p := window(q, now, zone)
	probs = append(probs, p...)
	out.Start, out.End = start, end
	statuses, p := statusFilter(q.Get("status"))
	probs = append(probs, p...)
	out.Statuses = statuses
	out.Limit, out.Offset, p = page(q)
	probs = append(probs, p...)
	return out, ext, probs
}

// statusFilter reads status=open,closed (and, as an extension, extended
// statuses) into the extended statuses to match.
func statusFilter(v string) ([]Status, []problem) {
	var out []Status
	seen := map[Status]bool{}
	add := func(s Status) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, item := range splitList(v) {
		switch strings.ToLower(item) {
		case "open", "closed":
			for _, s := range statusesOf(strings.ToLower(item)) {
				add(s)
			}
			continue
		}
		s, ok := parseStatus(item)
		if !ok {
			return nil, []problem{bad("status", "open311.err.status")}
		}
		add(s)
	}
	return out, nil
}

func boolParam(q url.Values, name string) (bool, []problem) {
	switch q.Get(name) {
	case "":
		return false, nil
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, []problem{bad(name, "open311.err.bool")}
}

// updateFields are the POST servicerequestupdates parameters: mySociety's
// and the extra ones FixMyStreet sends, which are accepted and ignored.
var updateFields = map[string]bool{
	"jurisdiction_id": true, "api_key": true, "service_request_id": true, "update_id": true,
	"status": true, "updated_datetime": true, "description": true, "media_url": true,
	"first_name": true, "last_name": true, "email": true, "phone": true, "account_id": true,
	// FixMyStreet extras, ignored:
	"title": true, "service_code": true, "public_anonymity_required": true,
	"email_alerts_requested": true, "service_request_id_ext": true, "update_id_ext": true,
}

func decodeUpdate(form url.Values, zone *time.Location) (NewUpdate, []problem) {
	var in NewUpdate
	var probs []problem
	for _, k := range sortedKeys(form) {
		if !updateFields[k] {
			probs = append(probs, bad(k, "open311.err.unknown_parameter"))
		}
	}
	get := form.Get
	if in.ServiceRequestID = get("service_request_id"); in.ServiceRequestID == "" {
		probs = append(probs, bad("service_request_id", "open311.err.required"))
	} else {
		probs = append(probs, checkLine("service_request_id", in.ServiceRequestID, maxShort)...)
	}
	in.ClientUpdateID = get("update_id")
	probs = append(probs, checkLine("update_id", in.ClientUpdateID, maxShort)...)
	switch v := get("status"); {
	case v == "":
		probs = append(probs, bad("status", "open311.err.required"))
	case strings.EqualFold(v, "open"):
		in.Status = StatusOpen
	case strings.EqualFold(v, "closed"):
		in.Status = StatusClosed
	default:
		s, ok := parseStatus(v)
		if !ok {
			probs = append(probs, bad("status", "open311.err.status"))
		}
		in.Status = s
	}
	if v := get("updated_datetime"); v == "" {
		probs = append(probs, bad("updated_datetime", "open311.err.required"))
	} else if t, ok := parseTime(v, zone); !ok {
		probs = append(probs, bad("updated_datetime", "open311.err.datetime"))
	} else {
		in.UpdatedAt = t
	}
	in.Description = get("description")
	probs = append(probs, checkText("description", in.Description, maxDescription)...)
	if in.MediaURL = get("media_url"); in.MediaURL != "" && !validURL(in.MediaURL) {
		probs = append(probs, bad("media_url", "open311.err.url"))
	}
	in.Contact = Contact{FirstName: get("first_name"), LastName: get("last_name"), Email: get("email"), Phone: get("phone")}
	probs = append(probs, checkLine("first_name", in.Contact.FirstName, maxShort)...)
	probs = append(probs, checkLine("last_name", in.Contact.LastName, maxShort)...)
	if in.Contact.Email != "" && !validEmail(in.Contact.Email) {
		probs = append(probs, bad("email", "open311.err.email"))
	}
	if in.Contact.Phone != "" && !validPhone(in.Contact.Phone) {
		probs = append(probs, bad("phone", "open311.err.phone"))
	}
	in.AccountID = get("account_id")
	probs = append(probs, checkLine("account_id", in.AccountID, maxShort)...)
	return in, probs
}

// isFormType accepts application/x-www-form-urlencoded with no charset or
// utf-8.
func isFormType(ct string) bool {
	mt, params, ok := strings.Cut(ct, ";")
	if !strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded") {
		return false
	}
	if !ok {
		return true
	}
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "charset") && !strings.EqualFold(strings.Trim(v, `"`), "utf-8") {
			return false
		}
	}
	return true
}
