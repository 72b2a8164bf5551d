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
    let destination = URL(fileURLWithPath: path)
    var hasher = SHA256.Hasher()
    var bytes: Int64 = 0
    var rest = spills[...]
    let writer: AtomicFileWriter
    if let spill = spills.first, spill.includesPrologue, let spillPath = spill.path {
      // The first ledger's spill file starts with the prologue: it becomes the output file.
      writer = try AtomicFileWriter(adopting: spillPath, destination: destination)
      try SpillFile.withMappedBytes(path: spillPath, from: 0) { hasher.update($0) }
      bytes = spill.length
      rest = rest.dropFirst()
    } else {
      writer = try AtomicFileWriter(destination: destination)
    }
    func write(_ chunk: [UInt8]) throws {
      try writer.write(chunk)
      hasher.update(chunk)
      bytes += Int64(chunk.count)
    }
    if !(spills.first?.includesPrologue ?? false) { try write(encoder.prologue(metadata)) }
    var first = rest.startIndex == spills.startIndex
    for spill in rest where spill.length > 0 {
      let skip = first ? encoder.separator.count : 0
      if let path = spill.path {
        // Hashed where the file lies in memory, copied by the kernel: no pass through buffers.
        try SpillFile.withMappedBytes(path: path, from: Int64(skip)) { hasher.update($0) }
        try writer.write(contentsOf: URL(fileURLWithPath: path), from: UInt64(skip))
        bytes += spill.length - Int64(skip)
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
