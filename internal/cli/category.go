package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"chengguan/internal/config"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/urban/taxonomy"
)

// categoryImport imports a 部件/事件 catalogue CSV. A file with any problem
// is refused whole: every problem is printed with its line, and nothing is
// stored.
func categoryImport(fs *flag.FlagSet) runFunc {
	file := fs.String("file", "", "catalogue CSV (UTF-8 with or without BOM, or GB18030/GBK)")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *file == "" {
			return usageError{"--file is required"}
		}
		data, err := os.ReadFile(*file)
		if err != nil {
			return usageError{err.Error()}
		}
		return withApp(ctx, cfg, func(a *app) error {
			rep, err := a.taxonomy.Import(ctx, identity.System(), data)
			if len(rep.Errors) > 0 {
				fmt.Fprintf(env.Stdout, "%s: %d problem(s); nothing imported\n", *file, len(rep.Errors))
				printRowErrors(env.Stdout, rep.Errors)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: %d rows: %d created, %d updated, %d unchanged\n",
				*file, rep.Rows, rep.Created, rep.Updated, rep.Unchanged)
			return nil
		})
	}
}

// categoryExport writes the catalogue as CSV to --out or stdout.
func categoryExport(fs *flag.FlagSet) runFunc {
	out := fs.String("out", "", "file to write (default: standard output)")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		return withApp(ctx, cfg, func(a *app) error {
			var buf bytes.Buffer
			if err := a.taxonomy.Export(ctx, identity.System(), &buf); err != nil {
				return err
			}
			if *out == "" {
				_, err := io.Copy(env.Stdout, &buf)
				return err
			}
			return os.WriteFile(*out, buf.Bytes(), 0o644)
		})
	}
}

// printRowErrors writes an import report, one problem a line, in English.
func printRowErrors(w io.Writer, errs []taxonomy.RowError) {
	b, err := i18n.New()
	var loc *i18n.Localizer
	if err == nil {
		loc = b.For(i18n.EN)
	}
	for _, e := range errs {
		msg := e.Key
		if loc != nil {
			msg = loc.T(e.Key, e.Args)
		}
		fmt.Fprintf(w, "  line %-5d %-6s %-22s %s\n", e.Line, orDash(e.Code), orDash(e.Column), msg)
	}
}
