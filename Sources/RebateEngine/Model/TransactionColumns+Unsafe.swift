/// Pointers to the five columns, valid only inside the call that made them.
/// Parallel workers get them through ``UnsafeTransfer``.
struct ColumnPointers {
    let partner: UnsafeBufferPointer<Int32>
    let product: UnsafeBufferPointer<Int32>
    let day: UnsafeBufferPointer<Int32>
    let quantity: UnsafeBufferPointer<Int64>
    let amount: UnsafeBufferPointer<Int64>

    /// The number of lines.
    var count: Int { partner.count }

    /// The lines `range` of these columns.
    func slice(_ range: Range<Int>) -> ColumnPointers {
        ColumnPointers(
            partner: UnsafeBufferPointer(rebasing: partner[range]),
            product: UnsafeBufferPointer(rebasing: product[range]),
            day: UnsafeBufferPointer(rebasing: day[range]), quantity: UnsafeBufferPointer(rebasing: quantity[range]),
            amount: UnsafeBufferPointer(rebasing: amount[range]))
    }
}

struct MutableColumnPointers {
    let partner: UnsafeMutableBufferPointer<Int32>
    let product: UnsafeMutableBufferPointer<Int32>
    let day: UnsafeMutableBufferPointer<Int32>
    let quantity: UnsafeMutableBufferPointer<Int64>
    let amount: UnsafeMutableBufferPointer<Int64>
}

extension TransactionColumns {
    func withUnsafeColumns<R>(_ body: (ColumnPointers) -> R) -> R {
        if let m = mapping {
            return withExtendedLifetime(m) { body(m.columns) }
        }
        return partnerStorage.withUnsafeBufferPointer { partner in
            productStorage.withUnsafeBufferPointer { product in
                dayStorage.withUnsafeBufferPointer { day in
                    quantityStorage.withUnsafeBufferPointer { quantity in
                        amountStorage.withUnsafeBufferPointer { amount in
                            body(
                                ColumnPointers(
                                    partner: partner, product: product, day: day, quantity: quantity, amount: amount))
                        }
                    }
                }
            }
        }
    }

    mutating func withUnsafeMutableColumns<R>(_ body: (MutableColumnPointers) -> R) -> R {
        materialize()
        checkedFor = nil
        return partnerStorage.withUnsafeMutableBufferPointer { partner in
            productStorage.withUnsafeMutableBufferPointer { product in
                dayStorage.withUnsafeMutableBufferPointer { day in
                    quantityStorage.withUnsafeMutableBufferPointer { quantity in
                        amountStorage.withUnsafeMutableBufferPointer { amount in
                            body(
                                MutableColumnPointers(
                                    partner: partner, product: product, day: day, quantity: quantity, amount: amount))
                        }
                    }
                }
            }
        }
    }
}

extension TransactionColumns {
    /// Columns of `n` lines with uninitialized storage, to be filled through ``withUnsafeMutableColumns(_:)``.
    static func uninitialized(count n: Int) -> TransactionColumns {
        var c = TransactionColumns()
        c.partnerStorage = [Int32].uninitialized(count: n) { b in adviseHugePages(b.baseAddress, n * 4) }
        c.productStorage = [Int32].uninitialized(count: n) { b in adviseHugePages(b.baseAddress, n * 4) }
        c.dayStorage = [Int32].uninitialized(count: n) { b in adviseHugePages(b.baseAddress, n * 4) }
        c.quantityStorage = [Int64].uninitialized(count: n) { b in adviseHugePages(b.baseAddress, n * 8) }
        c.amountStorage = [Int64].uninitialized(count: n) { b in adviseHugePages(b.baseAddress, n * 8) }
        return c
    }
}
