import CommandLineOptions
import RebateEngine

/// `rebate accrue`: every output of SPEC section 6.
let accrue = Subcommand(
    spec: CommandSpec(
        name: "rebate accrue",
        overview: "Compute accruals, settlements, statements and anomalies of a dataset folder.",
        arguments: [CommonOptions.dataset],
        options: [
            .value(
                "--out", "dir",
                "Folder for accruals.csv, settlements.csv, statements.csv,\nanomalies.csv, rejects.csv, summary.json and report.html\n(created if needed)."
            ),
            CommonOptions.asOf, CommonOptions.threads, CommonOptions.maxRejects, CommonOptions.csv, CommonOptions.quiet,
        ],
        required: ["--out"],
        discussion: "Runs longer than a second show the stage and percentage on stderr when it is a terminal."),
    summary: "Compute accruals, settlements, statements and anomalies."
) { args in
    let out = args.required("--out")
    let quiet = args.flag("--quiet")
    let options = AccrualOptions(asOf: args.asOf, threads: args.threads, progress: display.progress)
    let maxRejects = args.count("--max-rejects") ?? 0
    display.start(quiet: quiet)
    do throws(RebateError) {
        let outcome = try AccrualJob.run(
            dataset: args.positional[0], outputFolder: out, options: options, maxRejects: maxRejects,
            columnar: !args.flag("--csv"))
        display.stop()
        printWarnings(outcome.loaded, quiet: quiet)
        guard !quiet, let r = outcome.report else { return }
        let t = outcome.loaded.totals
        let money = { (v: Money) in v.text(decimals: r.decimals, currency: r.currency) }
        print(
            "read \(t.linesRead) lines from \(outcome.loaded.transactionsFile): \(t.linesAccepted) accepted, \(t.linesRejected) rejected"
        )
        print(
            "\(r.accruals.count) accrual rows, \(r.settlements.count) settlements, \(r.statements.count) statements, \(r.anomalies.count) anomalies"
        )
        print("accrued \(money(r.totalAccrued)), settled \(money(r.totalSettled))")
        print("wrote \(out)/{accruals,settlements,statements,anomalies,rejects}.csv, report.html and summary.json")
    } catch {
        report(error)
    }
}
