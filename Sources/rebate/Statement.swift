import CommandLineOptions
import RebateEngine

#if canImport(Glibc)
import Glibc
#endif

/// `rebate statement`: one beneficiary's HTML statement.
let statement = Subcommand(
    spec: CommandSpec(
        name: "rebate statement",
        overview:
            "Write the rebate statement of one beneficiary as a self-contained HTML page:\neach agreement's period, what was bought so far, the tier reached, the rebate earned,\nhow much more to buy for the next tier, and the run-rate forecast for the period.",
        arguments: [CommonOptions.dataset],
        options: [
            .value("--partner", "id", "The partner or buying-group id (a partner also sees its group's agreements)."),
            CommonOptions.asOf("YYYY-MM-DD; the figures are taken on this day (default: each period's end)."),
            .value("--out", "file", "Where to write (default: statement-<id>.html)."),
            .value(
                "--claims", "file",
                "Every claim received so far: agreements paid on claim list what is still\nclaimable for each ended period."
            ),
            CommonOptions.threads, CommonOptions.csv, CommonOptions.quiet,
        ],
        required: ["--partner"]),
    summary: "Write a partner-facing HTML statement: tiers, progress, forecast."
) { args in
    let beneficiary = args.required("--partner")
    let asOf = args.asOf
    let out = args.value("--out") ?? "statement-\(beneficiary).html"
    display.start(quiet: args.flag("--quiet"))
    do throws(RebateError) {
        let options = AccrualOptions(asOf: asOf, threads: args.threads, progress: display.progress)
        try StatementJob.run(
            dataset: args.positional[0], beneficiary: beneficiary, claims: args.value("--claims"), outputFile: out,
            options: options, columnar: !args.flag("--csv"))
        display.stop()
        if !args.flag("--quiet") { print("wrote \(out)") }
    } catch {
        report(error)
    }
}
