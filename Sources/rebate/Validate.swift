import CommandLineOptions
import RebateEngine

/// `rebate validate`: check a dataset, write nothing.
let validate = Subcommand(
    spec: CommandSpec(
        name: "rebate validate",
        overview: "Check a dataset folder without writing anything.",
        arguments: [CommonOptions.dataset],
        options: [
            CommonOptions.maxRejects("Rejected transaction lines tolerated (default: 0); above it, exit code 3."),
            CommonOptions.threads, CommonOptions.csv, CommonOptions.quiet,
        ]),
    summary: "Check the input files; write nothing."
) { args in
    let dataset = args.positional[0]
    let maxRejects = args.count("--max-rejects") ?? 0
    let quiet = args.flag("--quiet")
    do throws(RebateError) {
        let threads = args.threads ?? AccrualEngine.defaultThreadCount
        let loaded = try DatasetLoader.load(folder: dataset, threads: threads, columnar: !args.flag("--csv"))
        // The agreements are also resolved against the data, as `accrue` would.
        _ = try AccrualEngine.run(loaded.dataset, options: AccrualOptions(threads: threads))
        printWarnings(loaded, quiet: quiet)
        // The rejected lines are errors, printed even with --quiet.
        for r in loaded.rejects.prefix(20) { printError("\(r.file):\(r.line): \(r.reason)\n") }
        if loaded.rejects.count > 20 { printError("... and \(loaded.rejects.count - 20) more rejected lines\n") }
        if !quiet {
            let t = loaded.totals
            let d = loaded.dataset
            print(
                "\(dataset): \(d.partners.count) partners, \(d.products.count) products, \(d.agreements.agreements.count) agreements; "
                    + "\(t.linesRead) lines read, \(t.linesAccepted) accepted, \(t.linesRejected) rejected")
        }
        if loaded.rejects.count > maxRejects {
            report(.tooManyRejects(rejected: loaded.rejects.count, allowed: maxRejects))
        }
    } catch {
        report(error)
    }
}
