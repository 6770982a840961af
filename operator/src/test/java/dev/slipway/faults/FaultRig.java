package dev.slipway.faults;

import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.database.rds.RdsProvisioner;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LocalPostgres;
import dev.slipway.testing.MotoServer;
import dev.slipway.testing.OperatorJar;
import dev.slipway.testing.TestNamespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBInstance;

/** What several scenarios share: the operator jar's settings for RDS through the proxy, projects, counts. */
final class FaultRig {

  private FaultRig() {}

  static Path log(TestNamespace ns, String name) {
    return FaultReport.dir().resolve("logs").resolve(ns.name() + "-" + name + ".log");
  }

  /** The jar's variables for dedicated databases on moto, reached through the proxy. */
  static Map<String, String> rdsEnv(LocalControlPlane cp, TestNamespace ns, AwsProxy proxy) {
    Map<String, String> env = OperatorJar.baseEnv(cp, ns.name());
    env.put("SLIPWAY_DATABASE_MODE", "dedicated");
    env.put("SLIPWAY_AWS_REGION", MotoServer.REGION);
    env.put("SLIPWAY_AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY);
    env.put("SLIPWAY_AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_KEY);
    env.put("SLIPWAY_RDS_ENDPOINT", proxy.endpoint().toString());
    return env;
  }

  /** The operator's settings for the per-stage registry layout, its registry reached at {@code via} (a proxy). */
  static Map<String, String> perStageRegistryEnv(LocalControlPlane cp, TestNamespace ns, String via) {
    Map<String, String> env = OperatorJar.baseEnv(cp, ns.name());
    env.put("SLIPWAY_REGISTRY", via + "/slipway");
    env.put("SLIPWAY_REGISTRY_INSECURE", "true");
    env.put("SLIPWAY_REGISTRY_LAYOUT", "per-stage");
    return env;
  }

  static Project rdsProject(TestNamespace ns, String name, String url, List<dev.slipway.api.v1alpha1.EnvironmentTemplate> mapping) {
    Project p = Environments.project(ns.name(), name, url, mapping);
    DatabaseSpec db = new DatabaseSpec();
    db.setMode(DatabaseMode.DEDICATED);
    p.getSpec().setDatabase(db);
    return p;
  }

  static List<DBInstance> instances(RdsClient rds, String id) {
    return rds.describeDBInstances().dbInstances().stream().filter(i -> i.dbInstanceIdentifier().equals(id)).toList();
  }

  /** Instances in moto whose identifier starts with the namespace's RDS-safe form. */
  static List<DBInstance> instancesOf(RdsClient rds, TestNamespace ns) {
    String prefix = ns.name().toLowerCase().replaceAll("[^a-z0-9]+", "-");
    prefix = prefix.substring(0, Math.min(prefix.length(), 20));
    String p = prefix;
    return rds.describeDBInstances().dbInstances().stream().filter(i -> i.dbInstanceIdentifier().startsWith(p)).toList();
  }

  static String secretValue(KubernetesClient client, String ns, String secret, String key) {
    var s = client.secrets().inNamespace(ns).withName(secret).get();
    if (s == null || s.getData() == null || s.getData().get(key) == null) {
      return null;
    }
    return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
  }

  static String rdsId(TestNamespace ns, String project, String env) {
    return RdsProvisioner.identifier(ns.name(), project, env);
  }

  /** The first column of a one-row query with one parameter, on the test Postgres as its admin. */
  static int count(LocalPostgres postgres, String sql, String name) throws Exception {
    try (java.sql.Connection c = postgres.connect("postgres", postgres.adminUser(), postgres.adminPassword());
        java.sql.PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, name);
      try (java.sql.ResultSet r = s.executeQuery()) {
        r.next();
        return r.getInt(1);
      }
    }
  }
}
