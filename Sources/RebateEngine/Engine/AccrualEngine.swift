import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The accrual engine: one coarse entry point that runs the parallel work.
public enum AccrualEngine {
    /// The number of processors the system reports as online.
    public static var defaultThreadCount: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }

    /// Computes every accrual, settlement, statement and anomaly of a dataset.
    ///
    /// Lines are grouped into partitions so that every line an agreement needs
    /// (all members of a buying group) sits in one partition; partitions are
    /// processed in parallel, biggest first, each filling its agreements'
    /// accumulators in one pass and deriving their rows. The result does not
    /// depend on the thread count or on the order of the lines.
    /// - Throws: ``RebateError/invalidInput(_:)`` when a line's index or value, or an agreement,
    ///   is out of the contract's bounds (checked once, before the unchecked loops), or when an
    ///   agreement does not match the master data.
    /// - Complexity: O(lines × agreements per partner + agreements × months).
    public static func run(_ dataset: Dataset, options: AccrualOptions = AccrualOptions()) throws(RebateError)
        -> AccrualReport
    {
        var clock = StageClock()
        try dataset.validate(threads: options.threads)
        clock.lap("validate")
        let resolved = try ResolvedAgreement.resolve(dataset)
        clock.lap("resolve")
        let plan = PartitionPlan(dataset: dataset, agreements: resolved, asOf: options.asOf, threads: options.threads)
        clock.lap("partition")
        options.progress?.begin(.computing, total: plan.partitionCount)
        var outputs = plan.run(
            agreements: resolved, threads: options.threads, asOf: options.asOf, progress: options.progress,
            pieceLines: options.pieceLines)
        clock.lap("accumulate")

        // Rows are sorted bytewise by their leading columns (SPEC section 6).
        let byID = outputs.indices.sorted { Bytewise.less(resolved[$0].agreement.id, resolved[$1].agreement.id) }
        var report = AccrualReport(
            currency: dataset.agreements.currency, decimals: dataset.agreements.decimals,
            asOf: options.asOf, accruals: [], settlements: [], statements: [], anomalies: [],
            linesAfterAsOf: plan.linesAfterAsOf)
        report.inputWasCopied = plan.copied
        // Room for every row first, so the rows are copied once (a large run has hundreds of thousands).
        report.accruals.reserveCapacity(outputs.reduce(0) { $0 + $1.accruals.count })
        report.settlements.reserveCapacity(outputs.reduce(0) { $0 + $1.settlements.count })
        report.statements.reserveCapacity(outputs.count)
        for i in byID {
            report.accruals += outputs[i].accruals
            report.settlements += outputs[i].settlements
            if let s = outputs[i].statement { report.statements.append(s) }
            report.anomalies += outputs[i].anomalies
            outputs[i] = AgreementOutput()
        }
        report.statements.sort {
            $0.beneficiary != $1.beneficiary
                ? Bytewise.less($0.beneficiary, $1.beneficiary) : Bytewise.less($0.agreementID, $1.agreementID)
        }
        report.sortAnomalies()
        clock.lap("assemble")
        report.stageTimings = clock.laps
        return report
    }
}

extension AccrualEngine {
    /// A scaled integer as a plain decimal with no trailing fraction zeros (`2.5`, `100`).
    public static func formatDecimal(_ scaled: Int128, scale: Int) -> String {
        DecimalText.plain(scaled, scale: scale)
    }
}

extension AccrualReport {
    /// Sorts `anomalies` as SPEC section 6 says: bytewise by their columns in file order.
    mutating func sortAnomalies() {
        anomalies.sort {
            Bytewise.less(
                [
                    $0.kind.rawValue, $0.agreementID, $0.beneficiary, $0.periodStart.description,
                    $0.periodEnd.description,
                ],
                [
                    $1.kind.rawValue, $1.agreementID, $1.beneficiary, $1.periodStart.description,
                    $1.periodEnd.description,
                ])
        }
    }
}
