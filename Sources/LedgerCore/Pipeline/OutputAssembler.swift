import Foundation

/// Publishes one output file from per-ledger spill files, atomically.
enum OutputAssembler {
  /// Writes `prologue + spills + epilogue` to a temporary file, dropping the separator in front of
  /// the file's first voucher, then renames it to `path`.
  ///
  /// - Returns: The published file's size and SHA-256.
  static func publish(
    path: String, encoder: any JournalEncoder, metadata: ExportMetadata,
    spills: [LedgerProcessor.Spill]
  ) throws -> RunReport.OutputFile {
    let writer = try AtomicFileWriter(destination: URL(fileURLWithPath: path))
    var hasher = SHA256.Hasher()
    var bytes: Int64 = 0
    func write(_ chunk: [UInt8]) throws {
      try writer.write(chunk)
      hasher.update(chunk)
      bytes += Int64(chunk.count)
    }
    try write(encoder.prologue(metadata))
    var first = true
    for spill in spills where spill.length > 0 {
      let skip = first ? encoder.separator.count : 0
      if let path = spill.path {
        try SpillFile.forEachChunk(path: path, from: Int64(skip)) { try write($0) }
      } else {
        try write(Array(spill.bytes.dropFirst(skip)))
      }
      first = false
    }
    try write(encoder.epilogue(metadata))
    try writer.commit()
    let digest = hasher.finalize()
    return RunReport.OutputFile(
      path: (path as NSString).lastPathComponent, format: encoder.fileExtension, bytes: bytes,
      sha256: SHA256.hexString(digest))
  }
}
