import CommandLineOptions
import RebateEngine

#if canImport(Glibc)
import Glibc
#endif

/// `rebate explain`: why one figure of accruals.csv is what it is.
let explain = Subcommand(
    spec: CommandSpec(
        name: "rebate explain",
        overview:
            "Explain one agreement's month for an auditor: the settlement period, the sums Q, A, N and the\nbasis, each tier and gate, the cap, the formula with the actual numbers giving accrued_to_date\nand posting exactly as accruals.csv has them, and the lines that weigh most in the basis.",
        arguments: [CommonOptions.dataset],
        options: [
            .value("--agreement", "id", "The agreement."),
            .value("--month", "YYYY-MM", "The month of accruals.csv to explain."),
            CommonOptions.asOf,
            .value("--lines", "n", "How many of the weightiest lines to list (default 10)."),
            CommonOptions.threads, CommonOptions.csv,
        ],
        required: ["--agreement", "--month"]),
    summary: "Explain one accrual figure: sums, tiers, gates, formula, top lines."
) { args in
    let monthText = args.required("--month")
    guard let month = CivilDate(monthText + "-01"), monthText.utf8.count == 7 else {
        printError("Error: --month: expected YYYY-MM, got '\(monthText)'\n")
        exit(64)
    }
    let lines = args.count("--lines", minimum: 0) ?? 10
    do throws(RebateError) {
        let x = try ExplainJob.run(
            dataset: args.positional[0], agreementID: args.required("--agreement"), month: month, asOf: args.asOf,
            lines: lines, threads: args.threads ?? AccrualEngine.defaultThreadCount, columnar: !args.flag("--csv"))
        print(x.text, terminator: "")
    } catch {
        report(error)
    }
}
