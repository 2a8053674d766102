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
		w := env.Stdout
		fmt.Fprintf(w, "area version %d (%s), %d areas\n", v.ID, v.Name, ix.Len())
		fmt.Fprintf(w, "%-16s %-10s %-14s %-36s %s\n", "CODE", "KIND", "UNIT", "CATEGORIES", "NAME")
		for _, ar := range ix.Areas() {
			cats := strings.Join(ar.Categories, ",")
			if cats == "" {
				cats = "(all)"
			}
			fmt.Fprintf(w, "%-16s %-10s %-14s %-36s %s\n", ar.Code, orDash(ar.Kind), ar.UnitCode, cats, ar.Name)
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
