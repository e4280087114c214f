import * as fs from 'fs';
import * as path from 'path';
import { ValidationError } from './validation';

/** The two scripts as they will be installed on the instance. */
export interface QuiesceScriptPair {
  /** A short label for logs and reports, e.g. `generic` or `files`. */
  readonly kind: string;
  /** Content of `/tmp/prescript.sh`. */
  readonly prescript: string;
  /** Content of `/tmp/postscript.sh`. */
  readonly postscript: string;
}

/** The directory holding the script library (`templates/scripts/<engine>/`). */
export const SCRIPT_LIBRARY_DIR = path.join(__dirname, '..', 'templates', 'scripts');

/**
 * Which prescript/postscript pair quiesces the application before the snapshot.
 *
 * Use a preset from the library (`QuiesceScripts.generic()`) or your own files
 * (`QuiesceScripts.fromFiles()`).
 */
export abstract class QuiesceScripts {
  /** Flush file system buffers (`sync`); nothing to undo. Fits stateless application servers. */
  public static generic(): QuiesceScripts {
    return new LibraryScripts('generic');
  }

  /**
   * Your own pair of scripts, read at synth time.
   *
   * @param prescriptPath path of the prescript on the machine that synthesizes
   * @param postscriptPath path of the postscript on the machine that synthesizes
   */
  public static fromFiles(prescriptPath: string, postscriptPath: string): QuiesceScripts {
    return new FileScripts(prescriptPath, postscriptPath);
  }

  /** Reads the scripts. Throws an error naming the file when one cannot be read. */
  public abstract render(): QuiesceScriptPair;
}

class LibraryScripts extends QuiesceScripts {
  constructor(private readonly engine: string) {
    super();
  }

  public render(): QuiesceScriptPair {
    const dir = path.join(SCRIPT_LIBRARY_DIR, this.engine);
    return {
      kind: this.engine,
      prescript: fs.readFileSync(path.join(dir, 'prescript.sh'), 'utf8'),
      postscript: fs.readFileSync(path.join(dir, 'postscript.sh'), 'utf8'),
    };
  }
}

class FileScripts extends QuiesceScripts {
  constructor(private readonly prescriptPath: string, private readonly postscriptPath: string) {
    super();
  }

  public render(): QuiesceScriptPair {
    return {
      kind: 'files',
      prescript: readScriptFile('prescript', this.prescriptPath),
      postscript: readScriptFile('postscript', this.postscriptPath),
    };
  }
}

function readScriptFile(field: string, file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ValidationError(`scripts.${field}`, 'must name a readable file', file);
  }
  if (!stat.isFile()) {
    throw new ValidationError(`scripts.${field}`, 'must name a regular file', file);
  }
  return fs.readFileSync(file, 'utf8');
}
