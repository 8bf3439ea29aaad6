import CommandLineOptions
import RebateEngine

/// `rebate compare`: what-if on agreements.
let compare = Subcommand(
    spec: CommandSpec(
        name: "rebate compare",
        overview:
            "What-if for the analyst: the same lines under the dataset's agreements (A) and another\nagreements file (B); per agreement and period what each earns and the difference.",
        arguments: [CommonOptions.dataset],
        options: [
            .value("--agreements", "file", "The other agreements file (B), checked against the dataset's master data."),
            .value("--out", "dir", "Folder for compare.csv and compare.html (created if needed)."),
            CommonOptions.asOf, CommonOptions.threads, CommonOptions.csv, CommonOptions.quiet,
        ],
        required: ["--agreements", "--out"]),
    summary: "What-if: the same lines under another agreements file."
) { args in
    let out = args.required("--out")
    do throws(RebateError) {
        let c = try CompareJob.run(
            dataset: args.positional[0], agreements: args.required("--agreements"), outputFolder: out,
            options: AccrualOptions(asOf: args.asOf, threads: args.threads), columnar: !args.flag("--csv"))
        guard !args.flag("--quiet") else { return }
        let money = { (v: Money) in v.text(decimals: c.decimals, currency: c.currency) }
        let a = c.rows.reduce(Money.zero) { $0 + ($1.earnedA ?? .zero) }
        let b = c.rows.reduce(Money.zero) { $0 + ($1.earnedB ?? .zero) }
        print("\(c.rows.count) periods: A earns \(money(a)), B \(money(b)), difference \(money(b - a))")
        print("wrote \(out)/compare.csv and compare.html")
    } catch {
        report(error)
    }
}
