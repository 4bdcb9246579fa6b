package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Files named on a command line, read with errors that say what is wrong ("no such file: X"). */
final class InputFiles {

    private InputFiles() {
    }

    /** @throws Blip2Exception INVALID_REQUEST when {@code file} is missing, a directory or unreadable */
    static byte[] read(Path file) {
        if (Files.isDirectory(file)) {
            throw invalid("not a file but a directory: " + file);
        }
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw invalid("no such file: " + file);
        } catch (AccessDeniedException e) {
            throw invalid("no permission to read " + file);
        } catch (IOException e) {
            throw invalid("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Checks that {@code file} exists and is a regular file, without reading it. */
    static Path requireFile(Path file) {
        if (Files.isDirectory(file)) {
            throw invalid("not a file but a directory: " + file);
        }
        if (!Files.isRegularFile(file)) {
            throw invalid("no such file: " + file);
        }
        return file;
    }

    /**
     * The regular files directly inside {@code dir} (not in its sub-folders, no hidden files),
     * sorted by name.
     */
    static List<Path> filesIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw invalid(Files.exists(dir) ? "not a directory: " + dir : "no such directory: " + dir);
        }
        try (Stream<Path> list = Files.list(dir)) {
            List<Path> files = list.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
            if (files.isEmpty()) {
                throw invalid("no files in directory " + dir);
            }
            return files;
        } catch (IOException e) {
            throw invalid("cannot list " + dir + ": " + e.getMessage());
        }
    }

    private static Blip2Exception invalid(String message) {
        return new Blip2Exception(ErrorCode.INVALID_REQUEST, message);
    }
}
