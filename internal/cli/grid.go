package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
			if len(res.Problems) > 0 {
				fmt.Fprintf(env.Stdout, "%s: %d problem(s); nothing imported\n", *file, len(res.Problems))
				printProblems(env.Stdout, res.Problems)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "grid version %d imported from %s: %d cells, %d-digit codes, digest %s\n",
				v.ID, v.Name, v.Cells, v.CodeLength, v.Digest)
			return nil
		})
	}
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
