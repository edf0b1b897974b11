"""The answer stage: reading the question, each claim's relevance, and the answer a report
opens with (yes / no / mixed / partly answered / not answered, or findings).

The stance scorer is scripted here (``PairScorer`` is synth's own seam) so each case's
stances are known; the embedder is the real MiniLM. ``tests/test_pipeline.py`` runs the same
stage with the real verifier on a real library."""

from __future__ import annotations

import numpy as np
import pytest

from synth.answer.answer import (
    answer_question,
    deciding_order,
    key_findings,
    open_findings,
    unmentioned,
)
from synth.answer.stance import FEATURES, StanceModel
from synth.records.claims import Quantity
from synth.records.papers import Hit
from synth.records.reports import Answer, ReportClaim, ScreenedPaper
from synth.report.review import CEILING_PARTLY, CEILING_UNANSWERED, facts, panel
from synth.report.sections import answerability, limitations
from synth.report.synthesize import offline_abstract
from synth.search.question import (
    acronyms,
    entities,
    is_yes_no,
    mentions,
    question_acronyms,
    settings,
    terms,
)
from synth.search.retrieve import PaperEvidence
from synth.search.screen import screen
from synth.search.statement import outcome, statement, subject
from synth.store.db import open_store


class ScriptedStance:
    """Entailment / contradiction by a word in the claim: 'SUPPORTS' or 'REFUTES'."""

    name = "scripted"

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []

    def score(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        self.pairs += pairs
        rows = [[0.9, 0.05, 0.05] if "reduces" in e else [0.05, 0.05, 0.9] if "did not" in e
                else [0.1, 0.8, 0.1] for _, e in pairs]
        return np.asarray(rows, dtype=np.float32).reshape(-1, 3)


def claim(n: int, paper: str, text: str, kind: str = "finding", numbers=()) -> ReportClaim:
    return ReportClaim(n=n, id=str(n), text=text, quote=text, paper_id=paper,
                       title=f"Paper {paper}", page=None, char_start=0, char_end=len(text),
                       claim_type=kind, numbers=[Quantity(value=v, text=str(v)) for v in numbers],
                       label="supported", confidence=0.8, verified=True, grounded="supported",
                       independent="none", extractor="offline")


def paper(pid: str, similarity: float = 0.7, fulltext: str = "pdf") -> ScreenedPaper:
    return ScreenedPaper(paper_id=pid, version=1, title=f"Paper {pid}", similarity=similarity,
                         kept=True, reason="kept", fulltext=fulltext)


QUANT = "Does 4-bit quantization reduce the memory of large language models?"
FOR = "4-bit quantization reduces the memory of large language models by 70%."
AGAINST = "In our runs, 4-bit quantization did not lower the memory of large language models."


def test_questions_are_read_for_kind_statement_and_named_things() -> None:
    assert is_yes_no(QUANT) and is_yes_no("Double balloon enteroscopy: is it safe?")
    assert is_yes_no("Very high serum CA 19-9 levels: a contraindication to surgery?")
    assert not is_yes_no("How does LoRA compare with full fine-tuning?")
    assert not is_yes_no("Quantized models: which format is fastest?")
    assert statement("Double balloon enteroscopy: is it efficacious and safe in a community "
                     "setting?") == ("Double balloon enteroscopy is efficacious and safe in a "
                                     "community setting.")
    assert statement("Can tailored interventions increase mammography use?") == \
        "Tailored interventions can increase mammography use."
    assert statement("Is there still a need for transplantation?") == \
        "There is still a need for transplantation."
    # the auxiliary behind the subject, whatever adjectives and articles the subject holds
    for question, said in [
            ("Is the clinically positive axilla in breast cancer really a contraindication to "
             "biopsy?", "The clinically positive axilla in breast cancer is really a "
             "contraindication to biopsy."),
            ("Is dexamethasone an effective alternative to oral prednisone?",
             "Dexamethasone is an effective alternative to oral prednisone."),
            ("Is the international normalised ratio (INR) reliable?",
             "The international normalised ratio (INR) is reliable."),
            ("Percutaneous ethanol injection: is aspiration of ethanol-mixed fluid "
             "advantageous?", "Aspiration of ethanol-mixed fluid is advantageous."),
            ("Can predilatation in valve implantation be omitted?",
             "Predilatation in valve implantation can be omitted."),
            ("Does induction chemotherapy have a role in nasopharyngeal carcinoma?",
             "Induction chemotherapy has a role in nasopharyngeal carcinoma."),
            ("Does the use of atypical antipsychotics as adjunctive therapy result in cost "
             "savings?", "The use of atypical antipsychotics as adjunctive therapy results in "
             "cost savings."),
            ("Prompting Providers about Increased Patient Risk: Does It Work?",
             "Prompting Providers about Increased Patient Risk Works."),
            ("Did the traffic law reform push police enforcement?",
             "The traffic law reform did push police enforcement."),
            ("Can you deliver accurate tidal volume by manual resuscitator?",
             "You can deliver accurate tidal volume by manual resuscitator."),
            ("Is there any relationship between infection and sclerosis?",
             "There is a relationship between infection and sclerosis."),
            ("Has the 80-hour workweek improved resident education?",
             "The 80-hour workweek has improved resident education."),
            ("Are margins and T-stage accurate predictors of local control?",
             "Margins and T-stage are accurate predictors of local control."),
            ("Is duration of psychological treatment related to return into treatment?",
             "Duration of psychological treatment is related to return into treatment."),
            # the question in a title's second sentence, after a capital, a numeral or "vs."
            ("Cold knife conization vs. LEEP. Are they the same procedure?",
             "Cold knife conization vs. LEEP are the same procedure."),
            ("Postictal psychotic episodes II. Are they predictive of interictal episodes?",
             "Postictal psychotic episodes II are predictive of interictal episodes."),
            ("Suturing of the nasal septum, is it an effective alternative to packing?",
             "Suturing of the nasal septum is an effective alternative to packing."),
            ("In children with asthma, is the inhaler safe?", "The inhaler is safe."),
            # a title's question with no verb: "is" or "are" by the subject's head noun
            ("Aripiprazole: a new risk factor for pathological gambling?",
             "Aripiprazole is a new risk factor for pathological gambling."),
            ("Very high serum CA 19-9 levels: a contraindication to surgery?",
             "Very high serum CA 19-9 levels are a contraindication to surgery."),
            ("Fragility of the esophageal mucosa: a sign of eosinophilic esophagitis?",
             "Fragility of the esophageal mucosa is a sign of eosinophilic esophagitis."),
            ("Stage I non-small cell lung carcinoma: really an early stage?",
             "Stage I non-small cell lung carcinoma is really an early stage."),
            ("Devascularization without splenectomy: safe and effective?",
             "Devascularization without splenectomy is safe and effective."),
            ("Malnutrition, a new inducer for arterial calcification?",
             "Malnutrition is a new inducer for arterial calcification."),
            ("Production of chemokines by adipose tissue: a role in atherosclerosis?",
             "Production of chemokines by adipose tissue has a role in atherosclerosis."),
            # nothing to read as a predicate: the words as they are
            ("School food policy: room for improvement?", "School food policy: room for "
             "improvement."),
            ("Has the use of therapies by U.S. adults changed?",
             "The use of therapies by U.S. adults has changed.")]:
        assert statement(question) == said, question
    assert entities("How does the speed of SecLM-fine-tuned Llama3, Codestral and Deepseek R1 "
                    "vary?") == ["SecLM", "Llama3", "Codestral", "Deepseek R1"]
    assert entities("Are Large Language Models Good Prompt Optimizers?") == []
    assert entities("Do mutations causing low HDL-C promote thickness?") == ["HDL-C"]
    # possessives, a sentence inside the question, a double hyphen, a question in capitals
    assert entities("Are the GFRUP's recommendations applicable?") == ["GFRUP"]
    assert entities("Receptors in the anal canal. Implications for incontinence?") == []
    assert entities("After CLASS--Is a voluntary insurance program realistic?") == ["CLASS"]
    assert entities("PREVALENCE OF STREPTOCOCUS IN MELILLA: IS CULTURE A FACTOR?") == []
    assert entities("Does Llama beat Mistral vs. Qwen on long reading tasks?") == [
        "Llama", "Mistral", "Qwen"]
    assert mentions("Llama3", "we run Llama-3 8B") and mentions("Deepseek R1", "DeepSeek-R1")
    assert mentions("HMO", "women of a health maintenance organization")
    assert not mentions("GPT-4", "GPT-3 and PaLM")
    # a bracketed acronym names what it follows ("enzyme-1" is ACE-1's, not a second name),
    # while a bracket that is no acronym of it leaves both; names joined by a slash are
    # alternatives
    assert entities("Does angiotensin-converting enzyme-1 (ACE-1) gene polymorphism lead to "
                    "kidney disease?") == ["ACE-1"]
    assert entities("Does GPT-4 (OpenAI) beat Llama-3 (8B)?") == ["GPT-4", "OpenAI", "Llama-3",
                                                                 "8B"]
    # a place by its people's adjective, a name by its initials
    assert mentions("South African", "in KwaZulu Natal, South Africa, mothers ...")
    assert mentions("Korean", "one institution in Korea") and mentions("Japanese", "in Japan")
    assert mentions("United States", "Korean and U.S. subjects")
    assert not mentions("United States", "Doppler US parameters")  # ultrasound, undotted
    assert mentions("World Health Organization", "the WHO growth standards")
    assert mentions("Chaalia/Pan Masala", "Daily pan masala users were 62%")
    assert not mentions("Chaalia/Pan Masala", "Betel quid users were 62%")


def test_acronyms_count_as_the_words_they_stand_for() -> None:
    assert acronyms("Elevated resting heart rate (RHR) is a marker.")["rhr"] == \
        {"resti", "heart", "rate"}
    assert acronyms("split-liver transplantation (SLT) is used")["slt"] == \
        {"split", "liver", "trans"}
    assert acronyms("percentage excess body weight loss (%EBWL) at 3 months")["ebwl"] == \
        {"exces", "body", "weigh", "loss"}
    assert question_acronyms("Is double balloon enteroscopy safe?")["dbe"] == \
        {"doubl", "ballo", "enter"}


def test_papers_on_both_sides_give_a_mixed_answer_citing_both(embedder) -> None:
    claims = [claim(1, "A", FOR, numbers=[70]), claim(2, "B", AGAINST)]
    scorer = ScriptedStance()
    answer, scored = answer_question(QUANT, claims, [paper("A"), paper("B")],
                                     {"A": FOR, "B": AGAINST}, scorer, embedder)
    assert answer.verdict == "mixed" and answer.kind == "yes_no"
    assert answer.papers_for == ["A"] and answer.papers_against == ["B"]
    assert "[C1]" in answer.text and "[C2]" in answer.text and answer.text.startswith("Mixed:")
    assert answer.statement == "4-bit quantization reduces the memory of large language models."
    assert [c.stance for c in scored] == ["for", "against"]
    assert all(c.on_point and c.relevance and c.relevance >= 0.4 for c in scored)
    assert scorer.pairs[0] == (answer.statement, FOR)


def test_papers_on_one_side_answer_yes_or_no_counting_papers_not_sentences(embedder) -> None:
    claims = [claim(1, "A", FOR), claim(2, "A", FOR.replace("70%", "65%")),
              claim(3, "B", FOR.replace("70%", "60%"))]
    answer, _ = answer_question(QUANT, claims, [paper("A"), paper("B")],
                                {"A": FOR, "B": FOR}, ScriptedStance(), embedder)
    assert answer.verdict == "yes" and answer.text.startswith("Yes: 2 papers support it")
    assert "none contradicts it" in answer.text and answer.cites == [1, 3]
    answer, _ = answer_question(QUANT, [claim(1, "B", AGAINST)], [paper("B")],
                                {"B": AGAINST}, ScriptedStance(), embedder)
    assert answer.verdict == "no" and answer.papers_against == ["B"]


def test_the_outcome_a_question_asks_about_is_read_from_its_predicate() -> None:
    assert outcome(QUANT) == ["memory"]
    assert outcome("Does speculative decoding speed up inference of large language "
                   "models?") == ["speed", "inference"]
    assert outcome("Can PRISM predict length of PICU stay?") == ["length", "PICU", "stay"]
    assert outcome("Is tumour expression of VEGF associated with venous invasion?") == [
        "venous", "invasion"]
    # an adjective or a comparison is no one outcome; nor is an open question
    assert outcome("Double balloon enteroscopy: is it safe in a community setting?") == []
    assert outcome("Does LoRA match full fine-tuning on reasoning tasks?") == []
    assert outcome("How does quantization reduce memory?") == []


def test_only_claims_that_speak_of_the_outcome_take_a_side(embedder) -> None:
    # paper B's on-point result is about something else (confidence, not memory): it takes
    # no side, and the answer says it was left out
    other = "4-bit quantization of large language models reduces their confidence by 12%."
    claims = [claim(1, "A", FOR), claim(2, "B", other)]
    answer, scored = answer_question(QUANT, claims, [paper("A"), paper("B")],
                                     {"A": FOR, "B": other}, ScriptedStance(), embedder)
    assert scored[1].on_point and scored[1].stance is None and scored[0].stance == "for"
    assert answer.papers_for == ["A"] and [s.paper_id for s in answer.stances] == ["A"]
    assert answer.text.endswith("1 other paper (B) with claims on point says nothing of memory.")
    # when no claim speaks of it (a study's results in their own words), all of them count
    answer, scored = answer_question(QUANT, [claim(2, "B", other)], [paper("B")],
                                     {"B": other}, ScriptedStance(), embedder)
    assert answer.papers_for == ["B"] and scored[0].stance == "for"


def test_a_definition_stating_what_the_field_holds_takes_no_side(embedder) -> None:
    # "X (ABC) has proven to reduce ..." introduces the subject with the field's view: a paper
    # whose only claim on the outcome is that takes no side, and the answer says so
    field = ("Four-bit quantization (Q4) reduces the memory of large language models and is "
             "widely used.")
    claims = [claim(1, "A", FOR), claim(2, "B", field, kind="definition")]
    answer, scored = answer_question(QUANT, claims, [paper("A"), paper("B")],
                                     {"A": FOR, "B": field}, ScriptedStance(), embedder)
    assert answer.papers_for == ["A"] and scored[1].stance is None
    assert "1 other paper (B) with only background on point takes no side" in answer.text
    # with no finding left, the question is not answered, and the line says why
    answer, _ = answer_question(QUANT, claims[1:], [paper("B")], {"B": field},
                                ScriptedStance(), embedder)
    assert answer.verdict == "not_answered" and answer.text == (
        "Not answered: no kept paper reports a finding on it; 1 paper (B) with only "
        "background on point takes no side.")
    assert answerability([paper("B")], _, answer)[1][0].endswith(
        "bear on it, but none is a finding on what it asks.")


def test_only_papers_about_the_question_s_subject_take_a_side(embedder) -> None:
    question = "Can retrieval augmentation reduce the hallucination of language models?"
    assert subject(question) == "retrieval augmentation"
    assert subject("Double balloon enteroscopy: is it safe?") == "Double balloon enteroscopy"
    assert subject("Inhibin: a new marker of hydatidiform mole?") == "Inhibin"
    assert subject("Is there a need for transplantation?") == ""
    assert subject("How does retrieval reduce hallucination?") == ""
    # paper B reduces hallucination another way and never mentions retrieval augmentation;
    # paper C's abstract says RAG, which it defines; none is squarely on the question (best
    # passage below 0.6), so all three would take a side
    rag = "Retrieval augmentation reduces the hallucination of language models by 40%."
    other = "Preference optimization reduces the hallucination of language models by 96%."
    defined = "Retrieval-augmented generation (RAG) grounds answers in documents. " \
              "RAG reduces the hallucination of language models by 30%."
    texts = {"A": rag, "B": other, "C": defined}
    claims = [claim(1, "A", rag), claim(2, "B", other),
              claim(3, "C", defined.split(". ")[1])]
    answer, scored = answer_question(question, claims, [paper(p, 0.55) for p in "ABC"],
                                     texts, ScriptedStance(), embedder)
    assert answer.papers_for == ["A", "C"] and scored[1].stance is None
    assert "1 other paper (B) with claims on point is not about retrieval augmentation" in \
        answer.text
    # when no paper names the subject, every paper counts
    answer, _ = answer_question(question, [claim(2, "B", other)], [paper("B", 0.55)],
                                {"B": other}, ScriptedStance(), embedder)
    assert answer.papers_for == ["B"] and "not about" not in answer.text


def test_papers_that_lean_both_ways_without_going_far_answer_on_balance(embedder) -> None:
    # a stance model of our own (synth's seam): a null result leans no, anything else yes,
    # neither far from 0.5, so no paper is clearly on either side
    names = list(FEATURES)
    weights = np.zeros(len(names))
    weights[names.index("any_null")] = -0.5
    lean = StanceModel(weights, 0.35, {})
    null = "4-bit quantization made no significant difference to the memory of large models."
    claims = [claim(1, "A", FOR), claim(2, "B", null)]
    answer, _ = answer_question(QUANT, claims, [paper("A", 0.8), paper("B", 0.65)],
                                {"A": FOR, "B": null}, ScriptedStance(), embedder, lean)
    assert [round(s.p_yes or 0, 2) for s in answer.stances] == [0.59, 0.46]
    assert answer.papers_for == ["A"] and answer.papers_against == ["B"]
    # pooled by relevance (A is the more relevant paper): yes, on balance, and no firmer
    # than a lean (the pooled P(yes) within 0.1 of 0.5)
    assert answer.verdict == "yes" and answer.p_yes is not None and 0.5 < answer.p_yes < 0.6
    assert answer.text.startswith(f"Leans yes on balance (P(yes) {answer.p_yes:.2f} over 2 "
                                  "papers): 1 paper supports it")
    assert "(P(yes) 0.46)" in answer.text


def test_a_question_no_kept_paper_addresses_is_not_answered_and_capped(embedder) -> None:
    text = "Protein folding simulations reach microsecond time scales on GPUs."
    claims = [claim(1, "A", text)]
    papers = [paper("A", similarity=0.31)]
    answer, scored = answer_question(QUANT, claims, papers, {"A": text}, ScriptedStance(),
                                     embedder)
    assert answer.verdict == "not_answered" and answer.text.startswith("Not answered")
    assert not scored[0].on_point and answer.cites == []
    answerable, why = answerability(papers, scored, answer)
    assert not answerable and why[0].startswith("The sources do not answer this question: 0 of")
    reviews = panel(facts(papers, scored, {"A": text}, answer, calibrated=True))
    assert all(r.overall <= CEILING_UNANSWERED for r in reviews)
    for r in reviews:  # an empty report is not rated HIGH on disclosure or reproducibility
        assert r.dimensions["uncertainty_disclosure"] != "HIGH"
        assert r.dimensions["reproducibility"] != "HIGH"


def test_a_half_covered_question_is_partly_answered_and_says_which_half(embedder) -> None:
    question = "Does 4-bit quantization reduce the memory of LLaMA and of GPT-4?"
    text = "4-bit quantization reduces the memory of LLaMA models by 70%."
    claims = [claim(1, "A", text, numbers=[70])]
    papers = [paper("A")]
    answer, scored = answer_question(question, claims, papers, {"A": text}, ScriptedStance(),
                                     embedder)
    assert answer.verdict == "partly_answered"
    assert answer.covered == ["LLaMA"] and answer.missing == ["GPT-4"]
    assert "address LLaMA, not GPT-4" in answer.text and "[C1]" in answer.text
    answerable, why = answerability(papers, scored, answer)
    assert answerable and any("not GPT-4" in line for line in why)
    reviews = panel(facts(papers, scored, {"A": text}, answer, calibrated=True))
    assert all(r.overall <= CEILING_PARTLY for r in reviews)
    assert all("answer only part" in r.rationale for r in reviews)


def test_an_answer_says_which_settings_of_the_question_no_kept_paper_mentions(
        embedder) -> None:
    question = ("How does the inference efficiency of Llama3 vary across programming "
                "languages on edge devices?")
    assert settings(question) == ["programming languages", "edge devices"]
    assert settings("Do small models match large ones on text classification?") == [
        "text classification"]
    assert settings("Are lipid levels higher in response to hormone therapy in children?") \
        == ["children"]  # "in response to" is an idiom, not a setting
    text = "Llama3 decodes 2x faster with speculative decoding when generating Python programs."
    answer, _ = answer_question(question, [claim(1, "A", text, numbers=[2])], [paper("A")],
                                {"A": text}, ScriptedStance(), embedder)
    # "programming" is in the paper; nothing of "edge devices" is: said, the verdict unchanged
    assert answer.verdict == "findings" and answer.unmentioned == ["edge devices"]
    assert answer.text.endswith("No kept paper mentions edge devices.")
    answer, _ = answer_question(question.replace("edge devices", "cloud servers"),
                                [claim(1, "A", text, numbers=[2])], [paper("A")],
                                {"A": text + " All runs used one server."}, ScriptedStance(),
                                embedder)
    assert answer.unmentioned == [] and "mentions" not in answer.text
    # a word is mentioned in another form ("costs" for "cost savings"), a named thing is left
    # to the named things' check
    assert unmentioned("Do antipsychotics result in cost savings in Thai women?", ["Thai"],
                       {"A": "Pharmacy costs were higher with them."}) == []
    assert unmentioned("Is it safe at home on rails : a trial?", [], {"A": "At home."}) == [
        "rails"]
    # with no kept paper, "not answered" says it all
    answer, _ = answer_question(question, [], [], {}, ScriptedStance(), embedder)
    assert answer.verdict == "not_answered" and answer.unmentioned == []


def test_a_question_whose_only_named_thing_is_its_setting_is_partly_answered(
        embedder) -> None:
    # "in the UK" places the question; a study squarely on the rest of it that never says
    # "UK" answers it in part, and a paper only near it still does not count
    question = "Does 4-bit quantization reduce the memory of large language models in the UK?"
    assert entities(question) == ["UK"]
    near = "Pruning large language models lowered their accuracy by 2 points."
    texts = {"A": FOR, "B": near}
    claims = [claim(1, "A", FOR, numbers=[70]), claim(2, "B", near)]
    answer, scored = answer_question(question, claims, [paper("A", 0.75), paper("B", 0.5)],
                                     texts, ScriptedStance(), embedder)
    assert [c.on_point for c in scored] == [True, False]
    assert answer.verdict == "partly_answered" and answer.papers_for == ["A"]
    assert answer.text.startswith("Partly answered: no kept paper mentions UK. On what they "
                                  "address: yes")
    # a named thing that is what the question is about is not a setting
    question = "Does LoRA reduce the memory of large language models in the UK?"
    answer, _ = answer_question(question, claims, [paper("A", 0.75)], {"A": FOR},
                                ScriptedStance(), embedder)
    assert answer.verdict == "not_answered"


def test_a_paper_naming_none_of_the_question_s_models_is_off_point(embedder) -> None:
    question = "Does LoRA reduce the memory of fine-tuning large language models?"
    texts = {"A": "LoRA reduces the memory of fine-tuning large language models by 3x.",
             "B": "Prefix tuning reduces the memory of fine-tuning large language models."}
    claims = [claim(1, "A", texts["A"]), claim(2, "B", texts["B"])]
    answer, scored = answer_question(question, claims, [paper("A"), paper("B")], texts,
                                     ScriptedStance(), embedder)
    assert [c.on_point for c in scored] == [True, False]
    assert answer.verdict == "yes" and answer.papers_for == ["A"]


def test_a_result_of_a_paper_squarely_on_the_question_counts_in_its_own_words(embedder) -> None:
    question = "Is a mandatory general surgery rotation necessary in the surgical clerkship?"
    aim = ("We asked whether a mandatory general surgery rotation is necessary in the surgical "
           "clerkship by comparing students with and without it.")
    result = "Data for 54 students showed no differences in scores between groups."
    method = "Scores were compared with the Mann-Whitney test."
    claims = [claim(1, "A", result), claim(2, "A", method, kind="method"),
              claim(3, "B", result)]
    texts = {"A": f"{aim} {method} {result}", "B": f"Students rotate through wards. {result}"}
    _, scored = answer_question(question, claims, [paper("A", 0.75), paper("B", 0.75)], texts,
                                ScriptedStance(), embedder)
    assert all(c.relevance is not None and c.relevance < 0.4 for c in scored)
    # A holds the question's aspects: its result counts, its method does not; B does not
    assert [c.on_point for c in scored] == [True, False, False]
    _, scored = answer_question(question, claims[:1], [paper("A", 0.5)], texts,
                                ScriptedStance(), embedder)
    assert not scored[0].on_point  # the same paper less similar to the question: off point


def test_a_study_squarely_on_the_question_decides_and_papers_near_it_take_no_side(
        embedder) -> None:
    # A is a study of the question itself; B (less similar to the question) reports a
    # result near it: B takes no side, and the answer line says so
    also = "4-bit quantization reduces the memory of large language models by 65%."
    other = "4-bit quantization of large language models lowers their accuracy by 2 points."
    claims = [claim(1, "A", FOR), claim(2, "B", AGAINST), claim(3, "A", also),
              claim(4, "A", other)]
    texts = {"A": f"{FOR} {also} {other}", "B": AGAINST}
    answer, scored = answer_question(QUANT, claims, [paper("A", 0.75), paper("B", 0.45)],
                                     texts, ScriptedStance(), embedder)
    assert all(c.on_point for c in scored) and scored[1].stance is None
    assert answer.verdict == "yes" and answer.papers_for == ["A"] and not answer.papers_against
    assert answer.text.endswith("1 other paper (B) less directly on the question takes no "
                                "side.")
    # the abstract goes on with the claims that took a side, then the other claims of the
    # papers that took one, then the rest
    assert scored[3].stance is None
    abstract = offline_abstract(answer, scored)
    assert [s.cites for s in abstract] == [[1], [3], [4], [2]]
    # a paper named once for its claims together
    assert [s.text.split(":")[0] for s in abstract[1:]] == [
        "Paper A (A) reports", "It also reports", "Paper B (B) reports"]
    claims = claims[:2]
    # with no study squarely on it, both papers take a side
    answer, _ = answer_question(QUANT, claims, [paper("A", 0.5), paper("B", 0.45)], texts,
                                ScriptedStance(), embedder)
    assert answer.verdict == "mixed" and answer.papers_against == ["B"]


def test_the_abstract_keeps_a_paper_s_claims_together() -> None:
    answer = Answer(kind="open", verdict="findings", text="Findings [C1].", cites=[1])
    claims = [claim(n, pid, f"Result {n} of the study.")
              .model_copy(update={"relevance": 0.9 - 0.1 * n, "on_point": True})
              for n, pid in [(1, "A"), (2, "B"), (3, "C"), (4, "B")]]
    abstract = offline_abstract(answer, claims)
    assert [s.cites for s in abstract] == [[1], [2], [4], [3]]  # B's 4 after B's 2, not after C
    assert abstract[2].text == "It also reports: Result 4 of the study."


def test_an_open_question_lists_key_findings_results_first(embedder) -> None:
    question = "How does 4-bit quantization change the memory and accuracy of language models?"
    texts = {
        "A": "We propose a 4-bit quantization method for language models. 4-bit quantization "
             "cuts the memory of language models by 70% compared with 16-bit weights.",
        "B": "The accuracy of 4-bit quantized language models drops by 1.2 points on MMLU. "
             "4-bit quantization of language models also lowers the accuracy on long inputs. "
             "4-bit quantized language models keep their memory savings at long contexts."}
    claims = [claim(1, "A", "We propose a 4-bit quantization method for language models.",
                    kind="method"),
              claim(2, "A", texts["A"].split(". ")[1], kind="comparison", numbers=[70, 16]),
              claim(3, "B", texts["B"].split(". ")[0] + ".", numbers=[1.2]),
              claim(4, "B", texts["B"].split(". ")[1] + ".", kind="limitation"),
              claim(5, "B", texts["B"].split(". ")[2], kind="finding")]
    answer, _ = answer_question(question, claims, [paper("A"), paper("B")], texts,
                                ScriptedStance(), embedder)
    assert answer.kind == "open" and answer.verdict == "findings"
    assert len(answer.findings) >= 3 and set(answer.findings) >= {2, 3}
    assert sum(n in answer.findings for n in (3, 4, 5)) <= 2  # at most two from one paper
    assert answer.findings.index(2) < answer.findings.index(3)  # memory is asked first
    assert "(1)" in answer.text and "[C2]" in answer.text


def test_key_findings_spread_over_papers_and_over_the_question_s_aspects() -> None:
    wanted = terms("How does LoRA compare with full fine-tuning?")
    claims = [claim(1, "A", "LoRA offers a cheap way of fine-tuning.", kind="comparison"),
              claim(2, "A", "LoRA fine-tuning trains few parameters.", kind="comparison"),
              claim(3, "B", "LoRA adapters are small.", kind="comparison"),
              claim(4, "C", "LoRA falls behind full fine-tuning on code.", kind="comparison"),
              claim(5, "C", "LoRA cuts training memory by 3x.", numbers=[3]),
              claim(6, "C", "LoRA fine-tuning is stable.", kind="comparison"),
              claim(7, "D", "We describe the setup of LoRA.", kind="method")]
    for n, c in enumerate(claims):  # the earlier, the more relevant
        claims[n] = c.model_copy(update={"relevance": 0.9 - 0.05 * n})
    chosen = [c.n for c in key_findings(claims, wanted)]
    assert chosen[0] == 5  # a result with a number first
    # each of the other papers before a second claim of A; the claim that adds "full" before
    # C's other one; a method after every result, so it is left out
    assert chosen[1:3] == [1, 3] and 4 in chosen and 6 not in chosen and 7 not in chosen
    assert len(chosen) == 5 and chosen[-1] == 2


def test_a_paper_s_stance_is_cited_by_its_result_that_takes_its_side() -> None:
    own = [claim(1, "A", "We point out that decoding methods share characteristics."),
           claim(2, "A", "SpecEE achieves a 2.25x speedup on Llama2-7B.", numbers=[2.25]),
           claim(3, "A", "Decoding stays slow on long inputs.", kind="limitation")]
    own_p = {1: 0.85, 2: 0.7, 3: 0.2}
    # the result with a number, though another claim leans further; then the furthest
    assert deciding_order(own, own_p, "for") == [2, 1, 3]
    assert deciding_order(own, own_p, "against")[0] == 3  # the only claim on that side
    assert deciding_order(own, {1: 0.85, 2: 0.55, 3: 0.2}, "for")[0] == 1  # 2 takes no side


def test_key_findings_that_read_alone_come_before_ones_that_refer_back() -> None:
    wanted = terms("How does LoRA compare with full fine-tuning?")
    claims = [claim(1, "A", "At the same time, the second approach beats LoRA.",
                    kind="comparison"),
              claim(2, "B", "However, these methods fall behind full fine-tuning.",
                    kind="comparison"),
              claim(3, "C", "CE-LoRA costs less than LoRA at the same accuracy.",
                    kind="comparison"),
              claim(4, "D", "HydraLoRA outperforms other adapters.", kind="comparison"),
              claim(5, "E", "It also cuts memory by 3x.", numbers=[3])]
    for n, c in enumerate(claims):  # the earlier, the more relevant
        claims[n] = c.model_copy(update={"relevance": 0.9 - 0.05 * n})
    chosen = [c.n for c in key_findings(claims, wanted)]
    # a number first, even in a sentence that refers back; then the results that read alone
    assert chosen[:3] == [5, 3, 4]
    assert chosen[3:] == [2, 1]  # "full fine-tuning" is an aspect no chosen claim holds yet
    # listed by the question's aspects, and within one, those that read alone first
    on = [c.model_copy(update={"on_point": True}) for c in claims[:3]]
    listed = open_findings("How does LoRA compare with full fine-tuning?", on, 3, [], [])
    assert listed.findings == [3, 1, 2]


def test_a_library_of_abstracts_only_still_answers_and_says_what_it_read(embedder) -> None:
    papers = [paper("A", fulltext="metadata")]
    claims = [claim(1, "A", FOR)]
    answer, scored = answer_question(QUANT, claims, papers, {"A": FOR}, ScriptedStance(),
                                     embedder)
    assert answer.verdict == "yes"
    assert "1 of 1 kept papers were read from title and abstract only" in \
        " ".join(limitations(papers, scored, "synth-xenc", []))


@pytest.mark.parametrize("question", ["What is 4-bit quantization?", QUANT])
def test_no_claims_at_all_is_not_answered(question, embedder) -> None:
    answer, _ = answer_question(question, [], [paper("A")], {"A": ""}, ScriptedStance(),
                                embedder)
    assert answer.verdict == "not_answered" and answer.cites == []


def candidate(pid: str, similarity: float, text: str = "quantization memory") -> PaperEvidence:
    hit = Hit(paper_id=pid, version=1, title=f"Paper {pid}", passage_id=f"{pid}#0-10", page=None,
              section=None, char_start=0, char_end=len(text), text=text, score=1.0,
              similarity=similarity)
    return PaperEvidence(paper_id=pid, version=1, title=f"Paper {pid}", passages=[hit])


def test_the_screen_keeps_the_most_relevant_papers_and_says_why_others_went(tmp_path) -> None:
    found = [candidate("low", 0.32), candidate("high", 0.57), candidate("mid", 0.45),
             candidate("off", 0.12)]
    with open_store(tmp_path / "lib.db") as store:
        screened = screen(found, store, max_papers=2)
    assert [p.paper_id for p in screened] == ["high", "mid", "low", "off"]
    assert [p.kept for p in screened] == [True, True, False, False]
    assert screened[2].reason == ("dropped (rank 3 of 4): the 2 papers kept rank higher (best "
                                  "passage similarity 0.32; lowest kept 0.45)")
    assert "below 0.30" in screened[3].reason


def test_the_screen_ranks_papers_naming_the_question_s_models_first(tmp_path) -> None:
    found = [candidate("other", 0.61, "prefix tuning memory"),
             candidate("lora", 0.48, "LoRA adapters memory")]
    with open_store(tmp_path / "lib.db") as store:
        screened = screen(found, store, 1, "Does LoRA reduce fine-tuning memory?")
    assert [(p.paper_id, p.kept) for p in screened] == [("lora", True), ("other", False)]
    assert "names none of LoRA" in screened[1].reason


def test_the_panel_scores_an_answer_by_how_many_papers_take_a_side_and_how_firmly(
        embedder) -> None:
    also = FOR.replace("70%", "60%")
    texts = {"A": FOR, "B": also}

    def score(claims, papers, stance=None) -> tuple[float, dict]:
        answer, scored = answer_question(QUANT, claims, papers, texts, ScriptedStance(),
                                         embedder, stance)
        reviews = panel(facts(papers, scored, texts, answer, calibrated=True))
        return sum(r.overall for r in reviews) / 3, {r.reviewer: r for r in reviews}

    two, _ = score([claim(1, "A", FOR), claim(2, "B", also)], [paper("A"), paper("B")])
    one, reviews = score([claim(1, "A", FOR)], [paper("A")])
    assert one < two  # one paper, however firm, is one voice
    assert "the answer rests on 1 paper (1 firmly" in reviews["evidence"].rationale
    # papers that only lean (P(yes) 0.59 each) are no firm answer: the skeptic rates it LOW
    names = list(FEATURES)
    weights = np.zeros(len(names))
    weights[names.index("any_null")] = -0.5
    lean = StanceModel(weights, 0.35, {})
    leaning, reviews = score([claim(1, "A", FOR), claim(2, "B", also)],
                             [paper("A"), paper("B")], lean)
    assert leaning < two and reviews["skeptic"].dimensions["evidence_strength"] == "LOW"
    assert "2 papers (0 firmly" in reviews["skeptic"].rationale


def test_the_panel_s_reviewers_weigh_different_facts_and_say_which(embedder) -> None:
    claims = [claim(1, "A", FOR, numbers=[70]), claim(2, "B", FOR.replace("70%", "60%"),
                                                     numbers=[60])]
    papers = [paper("A"), paper("B", fulltext="metadata")]
    texts = {"A": FOR, "B": "abstract only"}  # B's quote does not re-check at its span
    answer, scored = answer_question(QUANT, claims, papers, texts, ScriptedStance(), embedder)
    reviews = {r.reviewer: r for r in panel(facts(papers, scored, texts, answer,
                                                  calibrated=True))}
    assert len({r.rationale for r in reviews.values()}) == 3
    assert "corroborated" in reviews["evidence"].rationale
    assert "re-check at their spans" in reviews["provenance"].rationale
    assert "re-check" not in reviews["skeptic"].rationale
    assert "from the abstract only" in reviews["skeptic"].rationale
    assert reviews["provenance"].dimensions["citation_grounding"] == "LOW"
    assert reviews["provenance"].dimensions["reproducibility"] == "MEDIUM"  # B: abstract only
    assert reviews["evidence"].dimensions["reproducibility"] == "HIGH"
    assert len({r.overall for r in reviews.values()}) > 1


def test_an_llm_judge_reads_an_abstract_whole_and_a_long_paper_by_its_claims() -> None:
    from synth.answer.answer import ABSTRACT_CHARS, reading

    second = claim(2, "a", "Memory fell by 70%.").model_copy(update={"char_start": 900})
    first = claim(1, "a", "We quantize to 4 bits.").model_copy(update={"char_start": 10})
    unsourced = claim(3, "a", "A paraphrase.").model_copy(update={"extractor": "llm",
                                                                 "verified": False})
    claims = [second, unsourced, first, claim(4, "b", "Another paper.")]
    abstract = "We quantize to 4 bits.\n  Memory fell by 70%."
    assert reading(claims, "a", abstract) == ["We quantize to 4 bits. Memory fell by 70%."]
    long_text = "x" * (ABSTRACT_CHARS + 1)
    assert reading(claims, "a", long_text) == ["We quantize to 4 bits.", "Memory fell by 70%."]
    assert reading(claims, "a", "") == ["We quantize to 4 bits.", "Memory fell by 70%."]


def test_review_scores_follow_the_evidence_continuously_within_a_level() -> None:
    from dataclasses import replace

    from synth.report.review import Facts, points, rule_review

    base = Facts(answerable=True, partly=False, yes_no=True, answering=3, firm=2,
                 papers_retrieved=10, papers_kept=5, papers_full_text=0, claims=10, on_point=10,
                 sourced=10, sources=3, corroborated=1, contested=0, spans_recheck=10,
                 unversioned_papers=0, calibrated=True, weak=0)
    more = replace(base, firm=3, corroborated=2)  # firmer, more corroborated: same levels
    low, high = rule_review(base, "evidence"), rule_review(more, "evidence")
    assert low.dimensions == high.dimensions and low.dimensions["evidence_strength"] == "MEDIUM"
    assert high.overall > low.overall
    assert points(0.0, 0.3, 0.8) == points(0.29, 0.3, 0.8) == 2.0  # failing earns nothing
    assert points(0.3, 0.3, 0.8) == 5.5 and points(0.55, 0.3, 0.8) == pytest.approx(6.375)
    assert points(0.8, 0.3, 0.8) == points(2.0, 0.3, 0.8) == 9.0
    # a cap caps the points too: the skeptic reads abstracts only, so evidence stays at 5.5
    assert rule_review(base, "skeptic").overall == rule_review(more, "skeptic").overall
