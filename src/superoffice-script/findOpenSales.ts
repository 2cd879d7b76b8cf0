import { CRM_REQUESTS_PER_MEETING, mapWithLimit, type CrmId } from '../core';
import { archiveInt, searchArchive } from './archiveQuery';
import type { SuperOfficeAgents } from './superOfficeApi';

/** SaleStatus Open = 1 [verified: @superoffice/webapi `Enums.d.ts` `SaleStatus`: "1: Sale is open"]. */
const OPEN = 1;

/**
 * Rows asked per company: two tell none, one and several apart; the third guards against a server that did not
 * apply the status restriction (rows of other statuses come back): a page not full holds every sale of the company,
 * so the open ones are exact; a full page with fewer than two open ones cannot tell, and counts as several, so
 * nothing is linked rather than a wrong sale.
 */
const PAGE = 3;

/**
 * The open sales of each company, for linking an appointment to a company's only one (`linkSale`): one archive
 * request per company (the `Sale` provider, SuperOfficeDocs `docs/en/api/archive-providers/reference/sale.md`
 * [verified]: `contactId`, `saleId`, `saleStatus` "the status of the sale - open, lost or sold"). A listAny column
 * is restricted by its list id, as the docs' `category = 3` [inferred: shared/specs/superoffice.md §3.3]; the status
 * cell is read as the id or the status's name [assumption]. SuperOffice itself lets an appointment link to a sold or
 * lost sale; leaving those out is our policy.
 */
export async function findOpenSales(
  agents: SuperOfficeAgents,
  companyIds: readonly CrmId[],
): Promise<Map<CrmId, CrmId[]>> {
  const answers = await mapWithLimit(companyIds, CRM_REQUESTS_PER_MEETING, async (companyId) => {
    const rows = await searchArchive(
      agents,
      'Sale',
      ['saleId', 'saleStatus'],
      `contactId = ${Number(companyId)} and saleStatus = ${OPEN}`,
      PAGE,
    );
    const ids = rows.flatMap((row) => {
      const saleId = archiveInt(row.cells['saleId']) ?? (row.primaryKey > 0 ? row.primaryKey : undefined);
      return saleId === undefined ? [] : [{ saleId, open: isOpen(row.cells['saleStatus']) }];
    });
    const open = ids.filter((row) => row.open);
    const known = ids.length < PAGE || open.length >= 2;
    return [companyId, (known ? open : ids).map((row) => row.saleId as CrmId)] as const;
  });
  return new Map(answers);
}

function isOpen(cell: string | undefined): boolean {
  const value = cell?.trim().toLowerCase();
  return value === String(OPEN) || value === 'open';
}
