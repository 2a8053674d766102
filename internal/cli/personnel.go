package cli

import (
	"context"
	"flag"
	"fmt"
	"os"

	"chengguan/internal/config"
	"chengguan/internal/identity"
	"chengguan/internal/personnel"
	"chengguan/internal/personnel/sheet"
)

// personnelImport imports an xlsx sheet into the personnel subsystem as the
// operator, all or nothing, printing the per-row problems when it refuses.
func personnelImport(fs *flag.FlagSet) runFunc {
	file := fs.String("file", "", "xlsx workbook; the first row of its sheet is the header")
	kind := fs.String("kind", personnel.ImportRoster, "what the sheet holds: roster, certificates or equipment")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *file == "" {
			return usageError{"--file is required"}
		}
		if _, ok := personnel.ImportHeader(*kind); !ok {
			return usageError{"--kind must be roster, certificates or equipment"}
		}
		info, err := os.Stat(*file)
		if err != nil {
			return usageError{err.Error()}
		}
		// Checked before reading, so a huge file is refused without loading it.
		if info.Size() > sheet.DefaultLimits().MaxFileBytes {
			return usageError{fmt.Sprintf("%s: larger than %d MB", *file, sheet.DefaultLimits().MaxFileBytes>>20)}
		}
		data, err := os.ReadFile(*file)
		if err != nil {
			return usageError{err.Error()}
		}
		return withApp(ctx, cfg, func(a *app) error {
			res, err := sheet.Import(ctx, a.personnel, identity.System(), *kind, data)
			if err != nil {
				if len(res.Errors) > 0 {
					fmt.Fprintf(env.Stdout, "%s: %d problem(s) in %d row(s); nothing imported\n", *file, len(res.Errors), res.Rows)
				}
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: %d %s row(s) imported\n", *file, res.Written, *kind)
			return nil
		})
	}
}
