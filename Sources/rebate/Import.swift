import CommandLineOptions
import RebateEngine

/// `rebate import`: the columnar form of the lines.
let importCommand = Subcommand(
    spec: CommandSpec(
        name: "rebate import",
        overview:
            "Convert the CSV lines to transactions.rbc, a checksummed columnar file that\n`rebate accrue` memory-maps and uses without parsing (format: docs/columnar-format.md).",
        arguments: [CommonOptions.dataset],
        options: [
            .value(
                "--out", "file",
                "Where to write transactions.rbc (default: <dataset>/transactions.rbc);\na folder's store is always <dataset>/transactions.rbc.d."
            ),
            CommonOptions.threads, CommonOptions.quiet,
        ],
        discussion:
            "Rejected lines are kept in the file with their reasons; `rebate accrue` reports them\nand applies --max-rejects exactly as it does for the CSV."
    ),
    summary: "Write transactions.rbc, the columnar form accrue maps instead of parsing."
) { args in
    let dataset = args.positional[0]
    do throws(RebateError) {
        let outcome = try ImportJob.runReporting(
            dataset: dataset, output: args.value("--out"),
            threads: args.threads ?? AccrualEngine.defaultThreadCount)
        let (loaded, folder) = (outcome.loaded, outcome.folderReport)
        guard !args.flag("--quiet") else { return }
        let t = loaded.totals
        let target =
            folder == nil
            ? args.value("--out") ?? dataset + "/" + ColumnarFile.fileName : dataset + "/transactions.rbc.d"
        if let folder {
            print(
                "parsed \(folder.parsed.count) new or changed files, reused \(folder.reused.count), checked \(folder.rechecked.count) again"
            )
        }
        print("imported \(t.linesRead) lines: \(t.linesAccepted) accepted, \(t.linesRejected) rejected -> \(target)")
    } catch {
        report(error)
    }
}
