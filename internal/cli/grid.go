package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"chengguan/internal/apperr"
	"chengguan/internal/config"
	"chengguan/internal/grid"
	"chengguan/internal/identity"
)

// gridImport imports a GeoJSON file of unit grid cells as the new grid
// version in force. A file with any problem is refused whole: every problem
// is printed, one a line, and nothing is stored.
func gridImport(fs *flag.FlagSet) runFunc {
	file := fs.String("file", "", "GeoJSON FeatureCollection of unit grid cells")
	name := fs.String("name", "", "source name recorded with the version (default: the file's name)")
	codeLength := fs.Int("code-length", 15, "length of a unit grid code: 15 (DB11) or 14 (CJ/T 213)")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *file == "" {
			return usageError{"--file is required"}
		}
		if *codeLength != 14 && *codeLength != 15 {
			return usageError{"--code-length must be 14 or 15"}
		}
		data, err := os.ReadFile(*file)
		if err != nil {
			return usageError{err.Error()}
		}
		if *name == "" {
			*name = filepath.Base(*file)
		}
		return withApp(ctx, cfg, func(a *app) error {
			v, res, err := a.grid.Import(ctx, identity.System(), *name, data, grid.Options{CodeLength: *codeLength})
			if err := reportProblems(env.Stdout, *file, res.Problems, err); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "grid version %d imported from %s: %d cells, %d-digit codes, digest %s\n",
				v.ID, v.Name, v.Cells, v.CodeLength, v.Digest)
			return nil
		})
	}
}

// gridAreasImport imports a GeoJSON file of responsibility areas (责任区) as
// the new area version in force, all or nothing, as gridImport does cells.
func gridAreasImport(fs *flag.FlagSet) runFunc {
	file := fs.String("file", "", "GeoJSON FeatureCollection of responsibility areas")
	name := fs.String("name", "", "source name recorded with the version (default: the file's name)")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *file == "" {
			return usageError{"--file is required"}
		}
		data, err := os.ReadFile(*file)
		if err != nil {
			return usageError{err.Error()}
		}
		if *name == "" {
			*name = filepath.Base(*file)
		}
		return withApp(ctx, cfg, func(a *app) error {
			v, res, err := a.areas.Import(ctx, identity.System(), *name, data)
			if err := reportProblems(env.Stdout, *file, res.Problems, err); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "area version %d imported from %s: %d responsibility areas, digest %s\n",
				v.ID, v.Name, v.Areas, v.Digest)
			return nil
		})
	}
}

// gridAreasList prints the responsibility areas in force, one a line, in
// code order.
func gridAreasList(ctx context.Context, cfg *config.Config, env Env) error {
	return withApp(ctx, cfg, func(a *app) error {
		ix, v, err := a.areas.Current(ctx)
		if err != nil {
			return err
		}
		areas := ix.Areas()
		units, err := a.areas.UnitsOf(ctx, areas)
		if err != nil {
			return err
		}
		w := env.Stdout
		fmt.Fprintf(w, "area version %d (%s), %d areas\n", v.ID, v.Name, ix.Len())
		fmt.Fprintf(w, "%-16s %-10s %-14s %-36s %s\n", "CODE", "KIND", "UNIT", "CATEGORIES", "NAME")
		var warnings []string
		for _, ar := range areas {
			cats := strings.Join(ar.Categories, ",")
			if cats == "" {
				cats = "(all)"
			}
			// The unit's code now: a unit recoded since the import still owns its areas.
			u, unit := units[ar.UnitID], ar.UnitCode
			if u != nil {
				unit = u.Code
			}
			fmt.Fprintf(w, "%-16s %-10s %-14s %-36s %s\n", ar.Code, orDash(ar.Kind), unit, cats, ar.Name)
			if why := areaUnitWarning(ar, u); why != "" {
				warnings = append(warnings, why)
			}
		}
		if len(warnings) > 0 {
			fmt.Fprintf(w, "%d area(s) cannot pass cases to their unit; cases there are suggested the category's department:\n", len(warnings))
			for _, why := range warnings {
				fmt.Fprintf(w, "  warning: %s\n", why)
			}
		}
		return nil
	})
}

// reportProblems prints an import's problems, one a line, when there are
// any, and returns the import's error without its per-problem fields, which
// the report has just printed.
func reportProblems(w io.Writer, file string, ps []grid.Problem, err error) error {
	if len(ps) > 0 {
		fmt.Fprintf(w, "%s: %d problem(s); nothing imported\n", file, len(ps))
		printProblems(w, ps)
	}
	if err == nil {
		return nil
	}
	if e := apperr.As(err); len(ps) > 0 && len(e.Fields) > 0 {
		short := *e
		short.Fields = nil
		return &short
	}
	return err
}

// printProblems writes an import report, one problem a line.
func printProblems(w io.Writer, ps []grid.Problem) {
	for _, p := range ps {
		where := "gap"
		if p.Feature >= 0 {
			where = fmt.Sprintf("feature %d", p.Feature)
		}
		// The message names the other cell and the place, when there are any.
		fmt.Fprintf(w, "  %-12s %-16s %-18s %s\n", where, orDash(p.Code), p.Reason, p.Message)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// areaUnitWarning says in a line why an area cannot pass cases to its unit u (nil: none
// exists), or "".
func areaUnitWarning(ar grid.Area, u *identity.Unit) string {
	switch grid.AreaUnitWarning(u) {
	case grid.UnitMissing:
		return fmt.Sprintf("area %s: unit %s no longer exists (%s)", ar.Code, ar.UnitCode, grid.UnitMissing)
	case grid.UnitDisabled:
		return fmt.Sprintf("area %s: unit %s (%s) is disabled (%s)", ar.Code, u.Code, u.Name, grid.UnitDisabled)
	case grid.UnitNotDepartment:
		return fmt.Sprintf("area %s: unit %s (%s) is a %s, not a handling department (%s)", ar.Code, u.Code, u.Name, u.Kind, grid.UnitNotDepartment)
	}
	return ""
}
