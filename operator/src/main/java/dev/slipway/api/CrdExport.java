package dev.slipway.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Build step run after the fabric8 CRD generator: puts printer columns back in the order the
 * classes declare them (the generator sorts them by JSON path, which would print AGE first),
 * gives the Project a status default ({@link #defaultStatus}) and writes the result to the
 * generated file and to the repository's crds/ folder.
 *
 * <p>Usage: {@code CrdExport <generated-dir> <crds-dir> <custom-resource-class>...}
 */
public final class CrdExport {

  private CrdExport() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      throw new IllegalArgumentException("usage: CrdExport <generated-dir> <crds-dir> <custom-resource-class>...");
    }
    Path generated = Path.of(args[0]);
    Path target = Path.of(args[1]);
    Files.createDirectories(target);
    for (String className : Arrays.asList(args).subList(2, args.length)) {
      Class<?> type = Class.forName(className);
      String fileName = io.fabric8.kubernetes.api.model.HasMetadata.getFullResourceName(
              type.asSubclass(io.fabric8.kubernetes.api.model.HasMetadata.class))
          + "-v1.yml";
      Path source = generated.resolve(fileName);
      CustomResourceDefinition crd =
          Serialization.unmarshal(Files.readString(source), CustomResourceDefinition.class);
      orderColumns(crd, type);
      if (UNOBSERVED_BY_DEFAULT.contains(type.getName())) {
        defaultStatus(crd);
      }
      String yaml = "# Generated from " + type.getName() + " by the build; do not edit.\n"
          + Serialization.asYaml(crd).replaceFirst("^---\n", "");
      Files.writeString(source, yaml, StandardCharsets.UTF_8);
      Files.writeString(target.resolve(fileName), yaml, StandardCharsets.UTF_8);
    }
  }

  /** The kinds GitOps repositories hold: a status default marks them unobserved until the operator writes. */
  static final java.util.Set<String> UNOBSERVED_BY_DEFAULT = java.util.Set.of("dev.slipway.api.v1alpha1.Project");

  /**
   * {@code status: {default: {observedGeneration: 0}}}. The API server applies schema defaults
   * whenever it reads an object, so a Project nobody has reconciled yet reads as "generation 1,
   * observed 0": kstatus (Flux's {@code wait: true}) and Argo CD see it in progress from the
   * moment it exists, instead of counting an object without status as current. Nothing is written:
   * the operator's first status write replaces the default.
   */
  static void defaultStatus(CustomResourceDefinition crd) {
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      var status = version.getSchema().getOpenAPIV3Schema().getProperties().get("status");
      status.setDefault(Serialization.jsonMapper().createObjectNode().put("observedGeneration", 0));
    }
  }

  static void orderColumns(CustomResourceDefinition crd, Class<?> type) {
    List<String> declared = Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
        .map(AdditionalPrinterColumn::name)
        .toList();
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      if (version.getAdditionalPrinterColumns() == null) {
        continue;
      }
      List<CustomResourceColumnDefinition> columns = new ArrayList<>(version.getAdditionalPrinterColumns());
      columns.sort(Comparator.comparingInt(c -> {
        int i = declared.indexOf(c.getName());
        return i < 0 ? Integer.MAX_VALUE : i;
      }));
      version.setAdditionalPrinterColumns(columns);
    }
  }
}
