package web

import (
	"context"
	"errors"
	"net/http"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"chengguan/internal/apperr"
	"chengguan/internal/buildinfo"
	"chengguan/internal/identity"
)

func init() {
	// huma builds its own errors (bad JSON, unknown fields, wrong content
	// type); this hook gives them chengguan's error shape and language. It is
	// set once at program start and never changed.
	huma.NewErrorWithContext = humaError
	// NewError also gives the error schema of the OpenAPI description.
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return humaError(nil, status, msg, errs...)
	}
}

// apiError is errorBody as a huma.StatusError.
type apiError struct {
	status int
	Detail errorDetail `json:"error"`
}

func (e *apiError) Error() string             { return e.Detail.Code }
func (e *apiError) GetStatus() int            { return e.status }
func (e *apiError) ContentType(string) string { return "application/json" }

func humaError(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
	var ri *reqInfo
	if hctx != nil {
		ri = info(hctx.Context())
	} else {
		ri = &reqInfo{}
	}
	var coded *apperr.Error
	var fields []apperr.FieldError
	for _, err := range errs {
		if err == nil {
			continue
		}
		if errors.As(err, &coded) {
			break
		}
		var d huma.ErrorDetailer
		if errors.As(err, &d) {
			fields = append(fields, humaField(d.ErrorDetail()))
		}
	}
	if coded == nil {
		coded = &apperr.Error{Code: codeForStatus(status), Fields: fields, Err: errors.New(msg)}
		// "Check the fields" fits invalid input only; a 415 or 413 says what it is.
		if len(fields) > 0 && coded.Code == apperr.Invalid {
			coded.Key = "error.invalid_fields"
		}
	}
	// Without a request (huma asks NewError for the OpenAPI error schema)
	// there is no language to translate into.
	if hctx == nil || ri.loc == nil || ri.log == nil {
		return &apiError{status: apperr.Status(coded.Code), Detail: errorDetail{Code: string(coded.Code), Message: string(coded.Code)}}
	}
	if apperr.Status(coded.Code) >= 500 && !clientGone(hctx.Context()) {
		ri.log.Error("request failed", "request_id", ri.id, "code", coded.Code, "err", errors.Join(errs...))
	}
	st, body := render(ri.loc, ri.id, coded)
	return &apiError{status: st, Detail: body.Error}
}

// codeForStatus classifies huma's own errors.
func codeForStatus(status int) apperr.Code {
	switch {
	case status == http.StatusRequestEntityTooLarge:
		return apperr.TooLarge
	case status == http.StatusUnsupportedMediaType:
		return apperr.Unsupported
	case status == http.StatusNotFound:
		return apperr.NotFound
	case status == http.StatusUnauthorized:
		return apperr.Unauthenticated
	case status == http.StatusForbidden:
		return apperr.Forbidden
	case status >= 400 && status < 500:
		return apperr.Invalid
	}
	return apperr.Internal
}

func (s *Server) apiRoutes(mux *http.ServeMux) {
	cfg := huma.DefaultConfig("chengguan API", buildinfo.Version)
	cfg.Components.Schemas = huma.NewMapRegistry("#/components/schemas/", schemaName)
	cfg.Info.Description = "城管 city-management platform: organisation units, accounts, tokens and the statutory calendar. " +
		"Errors have the shape {\"error\":{\"code\":\"…\",\"message\":\"…\"}}; messages follow Accept-Language (zh-CN default, en)."
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // no $schema links in responses
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":  {Type: "http", Scheme: "bearer", Description: "API token (cgt_…) from POST /api/v1/tokens or the account page"},
		"session": {Type: "apiKey", In: "cookie", Name: sessionCookie},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}, {"session": {}}}
	api := humago.NewWithPrefix(mux, "/api/v1", cfg)
	// Every operation needs a signed-in actor; asking first means an
	// anonymous client learns nothing from validation answers. (The OpenAPI
	// description is not an operation and stays public.)
	api.UseMiddleware(func(ctx huma.Context, next func(huma.Context)) {
		if actorOf(ctx.Context()) == nil && ctx.Operation().Metadata[publicOperation] != true {
			huma.WriteErr(api, ctx, http.StatusUnauthorized, "")
			return
		}
		next(ctx)
	})

	huma.Register(api, huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/me",
		Summary: "The signed-in account and its roles", Tags: []string{"identity"}}, s.apiMe)
	huma.Register(api, huma.Operation{OperationID: "list-units", Method: http.MethodGet, Path: "/units",
		Summary: "Organisation units in your jurisdiction, in tree order", Tags: []string{"units"}}, s.apiListUnits)
	huma.Register(api, huma.Operation{OperationID: "create-unit", Method: http.MethodPost, Path: "/units",
		Summary: "Create a unit", Tags: []string{"units"}, DefaultStatus: http.StatusCreated}, s.apiCreateUnit)
	huma.Register(api, huma.Operation{OperationID: "get-unit", Method: http.MethodGet, Path: "/units/{id}",
		Summary: "One unit", Tags: []string{"units"}}, s.apiGetUnit)
	huma.Register(api, huma.Operation{OperationID: "update-unit", Method: http.MethodPatch, Path: "/units/{id}",
		Summary: "Edit or disable a unit", Tags: []string{"units"}}, s.apiUpdateUnit)
	huma.Register(api, huma.Operation{OperationID: "list-accounts", Method: http.MethodGet, Path: "/accounts",
		Summary: "Accounts with a role in your jurisdiction", Tags: []string{"accounts"}}, s.apiListAccounts)
	huma.Register(api, huma.Operation{OperationID: "create-account", Method: http.MethodPost, Path: "/accounts",
		Summary: "Create an account with roles", Tags: []string{"accounts"}, DefaultStatus: http.StatusCreated}, s.apiCreateAccount)
	huma.Register(api, huma.Operation{OperationID: "get-account", Method: http.MethodGet, Path: "/accounts/{id}",
		Summary: "One account", Tags: []string{"accounts"}}, s.apiGetAccount)
	huma.Register(api, huma.Operation{OperationID: "update-account", Method: http.MethodPatch, Path: "/accounts/{id}",
		Summary: "Edit, disable or enable an account", Tags: []string{"accounts"}}, s.apiUpdateAccount)
	huma.Register(api, huma.Operation{OperationID: "set-account-roles", Method: http.MethodPut, Path: "/accounts/{id}/roles",
		Summary: "Replace an account's roles", Tags: []string{"accounts"}}, s.apiSetRoles)
	huma.Register(api, huma.Operation{OperationID: "reset-password", Method: http.MethodPost, Path: "/accounts/{id}/password",
		Summary: "Set a new password; the owner must change it at next sign-in", Tags: []string{"accounts"}}, s.apiResetPassword)
	huma.Register(api, huma.Operation{OperationID: "unlock-account", Method: http.MethodPost, Path: "/accounts/{id}/unlock",
		Summary: "Clear a lockout after failed logins", Tags: []string{"accounts"}}, s.apiUnlock)
	huma.Register(api, huma.Operation{OperationID: "revoke-access", Method: http.MethodPost, Path: "/accounts/{id}/revoke-access",
		Summary: "End every session and API token of an account", Tags: []string{"accounts"}}, s.apiRevokeAccess)
	huma.Register(api, huma.Operation{OperationID: "list-tokens", Method: http.MethodGet, Path: "/tokens",
		Summary: "Your API tokens", Tags: []string{"tokens"}}, s.apiListTokens)
	huma.Register(api, huma.Operation{OperationID: "create-token", Method: http.MethodPost, Path: "/tokens",
		Summary: "Issue an API token; the secret is shown once", Tags: []string{"tokens"}, DefaultStatus: http.StatusCreated}, s.apiCreateToken)
	huma.Register(api, huma.Operation{OperationID: "revoke-token", Method: http.MethodDelete, Path: "/tokens/{id}",
		Summary: "Revoke one of your API tokens", Tags: []string{"tokens"}, DefaultStatus: http.StatusNoContent}, s.apiRevokeToken)
	s.calendarRoutes(api)
	s.gridRoutes(api)
	s.caseExportRoutes(api)
	s.caseRoutes(api)
	s.indicatorRoutes(api)
	s.taxonomyRoutes(api)
	s.personnelRoutes(api)
}

// schemaName names API schemas as huma does, prefixed with the package of a
// type declared outside the web layer (UrbanCounts, TaxonomyRowError), so
// that two capabilities' types of one name cannot collide.
func schemaName(t reflect.Type, hint string) string {
	name := huma.DefaultSchemaNamer(t, hint)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if pkg := path.Base(t.PkgPath()); t.Name() != "" && pkg != "web" && pkg != "." && pkg != "" && !strings.HasPrefix(t.PkgPath(), "github.com/") {
		name = strings.ToUpper(pkg[:1]) + pkg[1:] + name
	}
	return name
}

// publicOperation marks, in an operation's metadata, an operation that
// answers without a signed-in actor.
const publicOperation = "chengguan_public"

// ---- representations ----

type roleOut struct {
	Role     identity.Role `json:"role" doc:"Role code"`
	RoleName string        `json:"role_name" doc:"Role name in the request's language"`
	UnitID   string        `json:"unit_id"`
	UnitName string        `json:"unit_name"`
	UnitCode string        `json:"unit_code"`
}

type accountOut struct {
	ID                 string     `json:"id"`
	Username           string     `json:"username"`
	DisplayName        string     `json:"display_name"`
	Disabled           bool       `json:"disabled"`
	Locked             bool       `json:"locked"`
	MustChangePassword bool       `json:"must_change_password"`
	LastLoginAt        *time.Time `json:"last_login_at,omitempty"`
	Roles              []roleOut  `json:"roles"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

func (s *Server) accountOut(ctx context.Context, a *identity.Account) accountOut {
	loc := info(ctx).loc
	out := accountOut{ID: a.ID, Username: a.Username, DisplayName: a.DisplayName, Disabled: a.Disabled,
		Locked: a.Locked(), MustChangePassword: a.MustChangePassword, LastLoginAt: optTime(a.LastLoginAt), Roles: []roleOut{},
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	for _, as := range a.Assignments {
		out.Roles = append(out.Roles, roleOut{Role: as.Role, RoleName: loc.T(as.Role.LabelKey(), nil),
			UnitID: as.UnitID, UnitName: as.UnitName, UnitCode: as.UnitCode})
	}
	return out
}

type unitOut struct {
	ID        string            `json:"id"`
	Code      string            `json:"code"`
	Name      string            `json:"name"`
	NameEN    string            `json:"name_en"`
	Kind      identity.UnitKind `json:"kind"`
	KindName  string            `json:"kind_name"`
	ParentID  string            `json:"parent_id,omitempty"`
	Depth     int               `json:"depth" doc:"0 for the city"`
	Disabled  bool              `json:"disabled"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

func unitToOut(ctx context.Context, u *identity.Unit) unitOut {
	return unitOut{ID: u.ID, Code: u.Code, Name: u.Name, NameEN: u.NameEN, Kind: u.Kind,
		KindName: info(ctx).loc.T(u.Kind.LabelKey(), nil), ParentID: u.ParentID,
		Depth: strings.Count(u.Path, "/") - 2, Disabled: u.Disabled, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// ---- handlers ----

type meOutput struct{ Body accountOut }

func (s *Server) apiMe(ctx context.Context, _ *struct{}) (*meOutput, error) {
	// The authenticated account is already loaded (and briefly cached) by the
	// authenticate middleware: "who am I" needs no further lookup.
	ri := info(ctx)
	if err := identity.Decide(ri.actor, identity.ActSelfView, identity.Owned(actorID(ri.actor))).Err(); err != nil {
		return nil, err
	}
	return &meOutput{Body: s.accountOut(ctx, ri.account)}, nil
}

type listUnitsInput struct {
	Kind     string `query:"kind" doc:"Only units of this kind"`
	ParentID string `query:"parent_id" doc:"Only children of this unit"`
	Q        string `query:"q" maxLength:"64" doc:"Substring of name or code"`
	Disabled bool   `query:"include_disabled" doc:"Include disabled units"`
}

type unitsOutput struct {
	Body struct {
		Units []unitOut `json:"units"`
	}
}

func (s *Server) apiListUnits(ctx context.Context, in *listUnitsInput) (*unitsOutput, error) {
	units, err := s.identity.Units(ctx, actorOf(ctx), identity.UnitFilter{Kind: identity.UnitKind(in.Kind),
		ParentID: in.ParentID, Query: in.Q, IncludeDisabled: in.Disabled})
	if err != nil {
		return nil, err
	}
	out := &unitsOutput{}
	out.Body.Units = []unitOut{}
	for i := range units {
		out.Body.Units = append(out.Body.Units, unitToOut(ctx, &units[i]))
	}
	return out, nil
}

type unitInputBody struct {
	Code     string `json:"code" doc:"Unique code, letters, digits, - and _"`
	Name     string `json:"name" doc:"Chinese name"`
	NameEN   string `json:"name_en,omitempty"`
	Kind     string `json:"kind" enum:"city,district,street,community,squad,supervision,command,department"`
	ParentID string `json:"parent_id,omitempty"`
}

type createUnitInput struct{ Body unitInputBody }
type unitOutput struct{ Body unitOut }

func (s *Server) apiCreateUnit(ctx context.Context, in *createUnitInput) (*unitOutput, error) {
	u, err := s.identity.CreateUnit(ctx, actorOf(ctx), identity.UnitInput{Code: in.Body.Code, Name: in.Body.Name,
		NameEN: in.Body.NameEN, Kind: identity.UnitKind(in.Body.Kind), ParentID: in.Body.ParentID})
	if err != nil {
		return nil, err
	}
	return &unitOutput{Body: unitToOut(ctx, u)}, nil
}

type idInput struct {
	ID string `path:"id" maxLength:"36"`
}

func (s *Server) apiGetUnit(ctx context.Context, in *idInput) (*unitOutput, error) {
	u, err := s.identity.Unit(ctx, actorOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &unitOutput{Body: unitToOut(ctx, u)}, nil
}

type updateUnitInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		Code     *string `json:"code,omitempty"`
		Name     *string `json:"name,omitempty"`
		NameEN   *string `json:"name_en,omitempty"`
		Disabled *bool   `json:"disabled,omitempty"`
	}
}

func (s *Server) apiUpdateUnit(ctx context.Context, in *updateUnitInput) (*unitOutput, error) {
	u, err := s.identity.UpdateUnit(ctx, actorOf(ctx), in.ID, identity.UnitPatch{Code: in.Body.Code,
		Name: in.Body.Name, NameEN: in.Body.NameEN, Disabled: in.Body.Disabled})
	if err != nil {
		return nil, err
	}
	return &unitOutput{Body: unitToOut(ctx, u)}, nil
}

type listAccountsInput struct {
	Role   string `query:"role"`
	UnitID string `query:"unit_id"`
	Q      string `query:"q" maxLength:"64"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200" default:"50"`
	Offset int    `query:"offset" minimum:"0"`
}

type accountsOutput struct {
	Body struct {
		Accounts []accountOut `json:"accounts"`
		Total    int          `json:"total"`
	}
}

func (s *Server) apiListAccounts(ctx context.Context, in *listAccountsInput) (*accountsOutput, error) {
	list, total, err := s.identity.Accounts(ctx, actorOf(ctx), identity.AccountFilter{Role: identity.Role(in.Role),
		UnitID: in.UnitID, Query: in.Q, Limit: in.Limit, Offset: in.Offset})
	if err != nil {
		return nil, err
	}
	out := &accountsOutput{}
	out.Body.Total = total
	out.Body.Accounts = []accountOut{}
	for i := range list {
		out.Body.Accounts = append(out.Body.Accounts, s.accountOut(ctx, &list[i]))
	}
	return out, nil
}

type roleIn struct {
	Role   string `json:"role"`
	UnitID string `json:"unit_id"`
}

func assignmentsIn(in []roleIn) []identity.AssignmentInput {
	out := make([]identity.AssignmentInput, len(in))
	for i, r := range in {
		out[i] = identity.AssignmentInput{Role: identity.Role(r.Role), UnitID: r.UnitID}
	}
	return out
}

type createAccountInput struct {
	Body struct {
		Username    string   `json:"username"`
		DisplayName string   `json:"display_name"`
		Password    string   `json:"password" doc:"At least 10 characters"`
		Roles       []roleIn `json:"roles" maxItems:"50"`
	}
}

type accountOutput struct{ Body accountOut }

func (s *Server) apiCreateAccount(ctx context.Context, in *createAccountInput) (*accountOutput, error) {
	a, err := s.identity.CreateAccount(ctx, actorOf(ctx), identity.AccountInput{Username: in.Body.Username,
		DisplayName: in.Body.DisplayName, Password: in.Body.Password, Assignments: assignmentsIn(in.Body.Roles)})
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: s.accountOut(ctx, a)}, nil
}

func (s *Server) apiGetAccount(ctx context.Context, in *idInput) (*accountOutput, error) {
	a, err := s.identity.Account(ctx, actorOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: s.accountOut(ctx, a)}, nil
}

type updateAccountInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		DisplayName *string `json:"display_name,omitempty"`
		Disabled    *bool   `json:"disabled,omitempty"`
	}
}

func (s *Server) apiUpdateAccount(ctx context.Context, in *updateAccountInput) (*accountOutput, error) {
	a, err := s.identity.UpdateAccount(ctx, actorOf(ctx), in.ID, identity.AccountPatch{
		DisplayName: in.Body.DisplayName, Disabled: in.Body.Disabled})
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: s.accountOut(ctx, a)}, nil
}

type setRolesInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		Roles []roleIn `json:"roles" maxItems:"50"`
	}
}

func (s *Server) apiSetRoles(ctx context.Context, in *setRolesInput) (*accountOutput, error) {
	a, err := s.identity.SetAssignments(ctx, actorOf(ctx), in.ID, assignmentsIn(in.Body.Roles))
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: s.accountOut(ctx, a)}, nil
}

type resetPasswordInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		Password string `json:"password"`
	}
}

func (s *Server) apiResetPassword(ctx context.Context, in *resetPasswordInput) (*accountOutput, error) {
	a, err := s.identity.ResetPassword(ctx, actorOf(ctx), in.ID, in.Body.Password)
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: s.accountOut(ctx, a)}, nil
}

func (s *Server) apiUnlock(ctx context.Context, in *idInput) (*accountOutput, error) {
	a, err := s.identity.Unlock(ctx, actorOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: s.accountOut(ctx, a)}, nil
}

func (s *Server) apiRevokeAccess(ctx context.Context, in *idInput) (*accountOutput, error) {
	a, err := s.identity.RevokeAccess(ctx, actorOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: s.accountOut(ctx, a)}, nil
}

type tokenOut struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func tokenToOut(t *identity.APIToken) tokenOut {
	return tokenOut{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, ExpiresAt: optTime(t.ExpiresAt),
		LastUsedAt: optTime(t.LastUsedAt), RevokedAt: optTime(t.RevokedAt)}
}

type tokensOutput struct {
	Body struct {
		Tokens []tokenOut `json:"tokens"`
	}
}

func (s *Server) apiListTokens(ctx context.Context, _ *struct{}) (*tokensOutput, error) {
	list, err := s.identity.APITokens(ctx, actorOf(ctx))
	if err != nil {
		return nil, err
	}
	out := &tokensOutput{}
	out.Body.Tokens = []tokenOut{}
	for i := range list {
		out.Body.Tokens = append(out.Body.Tokens, tokenToOut(&list[i]))
	}
	return out, nil
}

type createTokenInput struct {
	Body struct {
		Name    string `json:"name"`
		TTLDays int    `json:"ttl_days,omitempty" minimum:"0" maximum:"366" doc:"0 means no expiry"`
	}
}

type createTokenOutput struct {
	Body struct {
		tokenOut
		Token string `json:"token" doc:"The secret; shown only now"`
	}
}

func (s *Server) apiCreateToken(ctx context.Context, in *createTokenInput) (*createTokenOutput, error) {
	secret, t, err := s.identity.CreateAPIToken(ctx, actorOf(ctx), in.Body.Name, time.Duration(in.Body.TTLDays)*24*time.Hour)
	if err != nil {
		return nil, err
	}
	out := &createTokenOutput{}
	out.Body.tokenOut = tokenToOut(t)
	out.Body.Token = secret
	return out, nil
}

func (s *Server) apiRevokeToken(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.identity.RevokeAPIToken(ctx, actorOf(ctx), in.ID)
}

// humaField names the field of one of huma's validation details.
func humaField(det *huma.ErrorDetail) apperr.FieldError {
	if name, ok := strings.CutPrefix(det.Message, "expected required property "); ok {
		name, _, _ = strings.Cut(name, " ")
		return apperr.Field(name, "field.required")
	}
	loc := det.Location
	for _, in := range []string{"body.", "query.", "path.", "header."} {
		if name, ok := strings.CutPrefix(loc, in); ok {
			loc = name
			break
		}
	}
	return apperr.Field(loc, "field.invalid")
}
