package urban

import (
	"context"

	"chengguan/internal/urban/taxonomy"
)

// Catalogue is the taxonomy service as the loop sees it.
type Catalogue struct{ Taxonomy *taxonomy.Service }

var _ Categories = Catalogue{}

// Category implements Categories.
func (c Catalogue) Category(ctx context.Context, id string) (Category, error) {
	t, err := c.Taxonomy.Category(ctx, id)
	if err != nil {
		return Category{}, err
	}
	return fromTaxonomy(t), nil
}

func fromTaxonomy(t taxonomy.Category) Category {
	out := Category{ID: t.ID, Code: t.Code, Kind: string(t.Kind), Name: t.Name, NameEN: t.NameEN,
		DepartmentID: t.DepartmentID, Enabled: t.Enabled, Urgencies: []Urgency{UrgencyNormal}}
	for _, u := range t.Urgencies {
		out.Urgencies = append(out.Urgencies, Urgency(u.Level))
	}
	out.Limits = func(s Stage, u Urgency) Limit {
		l, err := t.Limit(taxonomy.Stage(s), taxonomy.Urgency(u))
		if err != nil {
			return Limit{}
		}
		return Limit{Amount: l.Amount, Unit: l.Unit}
	}
	return out
}
