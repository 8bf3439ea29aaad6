import CommandLineOptions
import RebateEngine

/// `rebate split`: shards for more than one machine (SPEC section 9).
let split = Subcommand(
    spec: CommandSpec(
        name: "rebate split",
        overview:
            "Cut a dataset into N complete datasets DIR/shard-0 ... DIR/shard-<N-1>, each agreement\nwhole in one of them, balanced by lines; run accrue or close on each, then merge.",
        arguments: [CommonOptions.dataset],
        options: [
            .value("--shards", "n", "How many shards (1 or more)."),
            .value("--out", "dir", "Folder for the shards, rejects.csv and split.json (created if needed)."),
            .value(
                "--ledger", "file",
                "A ledger to share out: each shard gets its agreements' rows as\nledger.csv (rows of removed agreements go to shard-0)."
            ),
            CommonOptions.maxRejects, CommonOptions.threads, CommonOptions.quiet,
        ],
        required: ["--shards", "--out"],
        discussion:
            "The CSV lines are read (transactions.csv or transactions/); each shard's lines are copied\nbyte for byte, in input order. Shards with no lines are legal datasets."
    ),
    summary: "Cut a dataset into shards for more than one machine."
) { args in
    let out = args.required("--out")
    guard let shards = args.count("--shards", minimum: 1) else { args.usage("missing '--shards <n>'") }
    do throws(RebateError) {
        let outcome = try SplitJob.run(
            dataset: args.positional[0], shards: shards, outputFolder: out, ledger: args.value("--ledger"),
            maxRejects: args.count("--max-rejects") ?? 0, threads: args.threads ?? AccrualEngine.defaultThreadCount)
        guard !args.flag("--quiet") else { return }
        let t = outcome.totals
        print("read \(t.linesRead) lines: \(t.linesAccepted) accepted, \(t.linesRejected) rejected")
        for s in outcome.shards {
            print(
                "  \(SplitJob.shardFolder(s.index)): \(s.lines) lines, \(s.partners) partners, \(s.agreements) agreements"
            )
        }
        print("wrote \(out)/shard-0 ... shard-\(shards - 1), rejects.csv and split.json")
    } catch {
        report(error)
    }
}
