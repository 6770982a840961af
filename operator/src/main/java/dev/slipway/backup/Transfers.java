package dev.slipway.backup;

/**
 * The few lines of Python that move a dump between a pod and the object store over presigned
 * URLs (one per part up, one down). They run in the environment's own image: every Slipway runtime image has Python, so no
 * extra image (and no storage credentials) is needed. Errors name the HTTP status or the socket
 * error, never the URL, which is a credential.
 */
final class Transfers {

  /** Where the dump is written and read inside the Job's pod (an emptyDir). */
  static final String DIRECTORY = "/backup";
  static final String DUMP = DIRECTORY + "/database.dump";

  /** The download's URL (from the Restore's transfer Secret) and the headers both directions send. */
  static final String URL_VARIABLE = "TRANSFER_URL";
  static final String HEADERS_VARIABLE = "TRANSFER_HEADERS";

  /** Where the upload Job's transfer Secret is mounted: one presigned part URL per line in {@link #URLS_KEY}. */
  static final String SECRET_DIRECTORY = "/transfer";
  static final String URLS_KEY = "TRANSFER_URLS";
  static final String PART_SIZE_VARIABLE = "PART_SIZE";

  /** A dump is stored in parts of this size (the last one smaller) ... */
  static final long PART_SIZE = 512L * 1024 * 1024;
  /** ... of which this many are signed: 100 GiB at most, in a Secret of about 200 KB. */
  static final int PARTS = 200;

  private Transfers() {}

  /**
   * How long the upload waits for a fresh URL when the store refuses one as expired (the operator
   * signs them again at half their life, so this is only the kubelet catching up); the variable
   * overrides it (tests).
   */
  static final int FRESH_URL_WAIT_SECONDS = 300;
  static final String FRESH_URL_WAIT_VARIABLE = "FRESH_URL_WAIT";

  /**
   * PUT the dump part by part, each part streamed from the file (the pod's memory stays small),
   * each tried three times; the operator completes the object from the parts afterwards. The URLs
   * are read again for every part: the operator signs them again before they expire (session
   * credentials end within the hour) and the kubelet refreshes the mounted Secret. A part the
   * store refuses (400, 403: an expired signature or session) waits for a URL it has not tried.
   */
  static final String UPLOAD = String.join("\n",
      "import json, os, sys, time, urllib.error, urllib.request",
      "path = '" + DUMP + "'",
      "size = os.path.getsize(path)",
      "part_size = int(os.environ['" + PART_SIZE_VARIABLE + "'])",
      "def read_urls():",
      "    with open('" + SECRET_DIRECTORY + "/" + URLS_KEY + "') as f:",
      "        return f.read().split()",
      "urls = read_urls()",
      "parts = max(1, -(-size // part_size))",
      "if parts > len(urls):",
      "    sys.exit('the dump has %d bytes, more than the %d a Backup can store (%d parts of %d bytes)'"
          + " % (size, len(urls) * part_size, len(urls), part_size))",
      // (urllib would send a form's content type: a server may try to read the dump as a form.)
      "headers = dict({'Content-Type': 'application/octet-stream'}, **json.loads(os.environ.get('" + HEADERS_VARIABLE + "') or '{}'))",
      "class Part:",
      "    def __init__(self, f, length):",
      "        self.f, self.left = f, length",
      "    def read(self, n=-1):",
      "        n = self.left if n is None or n < 0 else min(n, self.left)",
      "        data = self.f.read(n) if n > 0 else b''",
      "        self.left -= len(data)",
      "        return data",
      "fresh_url_wait = int(os.environ.get('" + FRESH_URL_WAIT_VARIABLE + "') or " + FRESH_URL_WAIT_SECONDS + ")",
      "def fresh_url(i, refused):",
      "    waited = 0",
      "    while waited < fresh_url_wait:",
      "        url = read_urls()[i]",
      "        if url != refused:",
      "            return url",
      "        time.sleep(2)",
      "        waited += 2",
      "    return None",
      "with open(path, 'rb') as body:",
      "    for i in range(parts):",
      "        length = min(part_size, size - i * part_size)",
      "        url = read_urls()[i]",
      "        attempt = renewed = 0",
      "        while True:",
      "            attempt += 1",
      "            body.seek(i * part_size)",
      "            request = urllib.request.Request(url, data=Part(body, length), method='PUT',",
      "                headers=dict(headers, **{'Content-Length': str(length)}))",
      "            try:",
      "                with urllib.request.urlopen(request, timeout=600) as response:",
      "                    break",
      "            except urllib.error.HTTPError as e:",
      "                error = 'HTTP %d' % e.code",
      "                if e.code in (400, 403) and renewed < 3:",
      "                    renewed += 1",
      "                    url = fresh_url(i, url)",
      "                    if url is None:",
      "                        sys.exit('upload of part %d of %d refused: %s, and no fresh URL came within %d s'"
          + " % (i + 1, parts, error, fresh_url_wait))",
      "                    attempt -= 1",
      "                    continue",
      "                if e.code < 500:",
      "                    sys.exit('upload of part %d of %d refused: %s' % (i + 1, parts, error))",
      "            except urllib.error.URLError as e:",
      "                error = str(e.reason)",
      "            except OSError as e:",
      "                error = type(e).__name__",
      "            if attempt >= 3:",
      "                sys.exit('upload of part %d of %d failed three times: %s' % (i + 1, parts, error))",
      "            time.sleep(2 * attempt)",
      "print('stored %d bytes in %d parts' % (size, parts))");

  /** GET the dump into the pod. */
  static final String DOWNLOAD = String.join("\n",
      "import json, os, shutil, sys, urllib.error, urllib.request",
      "headers = json.loads(os.environ.get('" + HEADERS_VARIABLE + "') or '{}')",
      "request = urllib.request.Request(os.environ['" + URL_VARIABLE + "'], headers=headers)",
      "try:",
      "    with urllib.request.urlopen(request, timeout=600) as response, open('" + DUMP + "', 'wb') as out:",
      "        shutil.copyfileobj(response, out, 1024 * 1024)",
      "    print('fetched %d bytes' % os.path.getsize('" + DUMP + "'))",
      "except urllib.error.HTTPError as e:",
      "    sys.exit('download refused: HTTP %d' % e.code)",
      "except urllib.error.URLError as e:",
      "    sys.exit('download failed: %s' % (e.reason,))",
      "except OSError as e:",
      "    sys.exit('download failed: %s' % (type(e).__name__,))");
}
