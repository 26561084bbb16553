// Reads one case per line from stdin and prints Maven's answer (maven-artifact, as the worker's connect-runtime ships it):
//   cmp<TAB>a<TAB>b            -> -1, 0 or 1 (DefaultArtifactVersion.compareTo)
//   range<TAB>spec<TAB>v1...   -> the range's toString, then 1/0 per version (containsVersion), or ERR<TAB>message
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.DefaultArtifactVersion;
import org.apache.maven.artifact.versioning.InvalidVersionSpecificationException;
import org.apache.maven.artifact.versioning.VersionRange;

public class VersionRangeOracle {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] parts = line.split("\t", -1);
            if (parts[0].equals("cmp")) {
                int result = new DefaultArtifactVersion(parts[1]).compareTo(new DefaultArtifactVersion(parts[2]));
                out.append(Integer.signum(result)).append('\n');
                continue;
            }
            try {
                VersionRange range = VersionRange.createFromVersionSpec(parts[1]);
                out.append(range.toString()).append('\t').append(range.hasRestrictions());
                for (int i = 2; i < parts.length; i++) {
                    out.append('\t').append(range.containsVersion(new DefaultArtifactVersion(parts[i])) ? 1 : 0);
                }
            } catch (InvalidVersionSpecificationException e) {
                out.append("ERR\t").append(e.getMessage());
            }
            out.append('\n');
        }
        System.out.print(out);
    }
}
