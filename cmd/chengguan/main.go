// Command chengguan is the city management platform in one binary. See
// "chengguan help" and the README.
package main

import (
	"context"
	"os"
	_ "time/tzdata" // Asia/Shanghai must resolve on hosts without a zone database

	"chengguan/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), cli.Env{
		Args: os.Args[1:], Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
	}))
}
