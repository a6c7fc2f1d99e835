"""The weekly bulletin (工作动态周通报): content from the ledger history, rendered as .docx, .xlsx, PNG and text.

bulletin.content builds a BulletinContent (pure, from the store through metrics/ and figures/); the writers in
bulletin.docx_writer, bulletin.workbook and bulletin.render turn it into files; bulletin.build ties them together
for the CLI (python -m bulletin) and the 通报 page.
"""
