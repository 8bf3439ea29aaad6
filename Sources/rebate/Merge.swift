import CommandLineOptions
import RebateEngine

/// `rebate merge`: the shards' outputs as one run over the whole dataset (SPEC section 9).
let merge = Subcommand(
    spec: CommandSpec(
        name: "rebate merge",
        overview:
            "Merge the output folders that accrue or close wrote for every shard of one split into\nwhat one run over the whole dataset writes: every CSV byte for byte, summary.json, report.html.",
        arguments: [(name: "out-folder...", help: "The output folder of each shard, in any order.")],
        options: [.value("--out", "dir", "Folder for the merged outputs (created if needed)."), CommonOptions.quiet],
        required: ["--out"],
        discussion:
            "Refuses (exit 2) folders of another split, as-of date, month or currency, a shard missing\nor given twice, or a shard whose files changed after the split."
    ),
    summary: "Merge the shards' outputs into one."
) { args in
    let out = args.required("--out")
    do throws(RebateError) {
        let outcome = try MergeJob.run(outputs: args.positional, outputFolder: out)
        guard !args.flag("--quiet") else { return }
        let r = outcome.report
        let money = { (v: Money) in v.text(decimals: r.decimals, currency: r.currency) }
        print("merged \(outcome.shards) shards: \(r.accruals.count) accrual rows, \(r.settlements.count) settlements")
        print("accrued \(money(r.totalAccrued)), settled \(money(r.totalSettled))")
        if let c = outcome.close { print("journal \(c.journal.count) entries, \(c.payments.count) payments") }
        print("wrote \(out)")
    } catch {
        report(error)
    }
}
