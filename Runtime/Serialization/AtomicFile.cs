using System;
using System.IO;

namespace Compiled.Serialization;

/// <summary>
/// Writes a file so that readers see either the previous file or the complete new one, never a half-written one:
/// the content goes to a temporary file in the same directory (so the rename stays within one file system), is
/// flushed to the disk (<see cref="FileStream.Flush(bool)"/> with <c>true</c>: fsync), and the temporary file is then
/// renamed over the target, which POSIX and NTFS do atomically.
/// </summary>
/// <remarks>
/// A process killed at any point leaves the target as it was (at worst a stray <c>.*.tmp</c> file beside it).
/// The directory entry itself is not fsynced (.NET has no API for it), so after a power cut the rename may be lost
/// and the previous file found instead, which is still complete.
/// </remarks>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically with the bytes <paramref name="write"/> puts into a seekable stream.</summary>
    public static void Write(string path, Action<FileStream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot write '{full}': the directory '{directory}' does not exist.");
        if (Directory.Exists(full))
            throw new IOException($"Cannot write '{full}': it is a directory.");

        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        bool renamed = false;
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
            renamed = true;
        }
        finally
        {
            if (!renamed)
            {
                try { File.Delete(temp); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
    }
}
