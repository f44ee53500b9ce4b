// ParaReop: check that ontology documents are in the OWL 2 DL profile, with the OWL API.
//
// Usage: java -cp <owlapi jars>:<dir of ProfileCheck.class> ProfileCheck FILE...
// Prints one line per profile violation ("<file>: <violation>") and a summary line per
// file; exits 0 when every file is in OWL 2 DL, 1 when any is not, 2 when a file cannot
// be loaded. Run by tests/test_owl_profile.py (which compiles this file with javac and
// finds the jars of Debian's libowlapi-java under /usr/share/java).

import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public final class ProfileCheck {
    private ProfileCheck() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: ProfileCheck FILE...");
            System.exit(2);
        }
        int status = 0;
        for (String path : args) {
            // A fresh manager per file: documents with the same ontology IRI do not clash.
            OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
            OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
                .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT);
            OWLOntology ontology;
            try {
                ontology = manager.loadOntologyFromOntologyDocument(new FileDocumentSource(new File(path)), config);
            } catch (Exception e) {
                System.out.println(path + ": cannot load: " + e.getMessage().lines().findFirst().orElse(""));
                System.exit(2);
                return;
            }
            OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
            for (OWLProfileViolation violation : report.getViolations()) {
                System.out.println(path + ": " + violation.toString().replace('\n', ' '));
            }
            System.out.println(path + ": " + report.getViolations().size() + " OWL 2 DL violation(s), "
                + ontology.getAxiomCount() + " axioms");
            if (!report.isInProfile()) {
                status = 1;
            }
        }
        System.exit(status);
    }
}
