package sheet

import (
	"context"
	"errors"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/personnel"
)

// Import reads an uploaded workbook of kind (personnel.ImportRoster, …) and
// hands its rows to the service, which writes all or nothing. The web
// upload, the API and the command line all come through here. A file-level
// problem is Invalid with this package's key; row problems come back as the
// service reports them (fields rows[N].column).
func Import(ctx context.Context, svc *personnel.Service, actor *identity.Actor, kind string, data []byte) (personnel.ImportResult, error) {
	header, ok := personnel.ImportHeader(kind)
	if !ok {
		return personnel.ImportResult{Kind: kind}, apperr.InvalidFields(apperr.Field("kind", "personnel.import_kind_invalid"))
	}
	// Permission first: nobody learns anything from the parsing of a file
	// they may not import.
	if _, d := identity.ScopeFor(actor, identity.ActPersonnelManage); !d.Allowed {
		return personnel.ImportResult{Kind: kind}, d.Err()
	}
	t, err := Read(data, personnel.ImportSheet(kind), header, DefaultLimits())
	if err != nil {
		var p *Problem
		if errors.As(err, &p) {
			return personnel.ImportResult{Kind: kind}, apperr.Wrap(apperr.Invalid, p.Key, err).With(p.Args)
		}
		return personnel.ImportResult{Kind: kind}, err
	}
	return svc.Import(ctx, actor, kind, t.Lines, t.Rows)
}
